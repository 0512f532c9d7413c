#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# PodTools keeps KubernetesClient and YamlDotNet in its own AssemblyLoadContext: it works in a session that
# already loaded another YamlDotNet, and survives Remove-Module + Import-Module.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    $script:Cluster = Get-TestCluster
    # At least one pod, so the child session has something to list even on a private cluster.
    $ns = New-TestNamespace -Cluster $Cluster -Prefix 'isolation'
    $null = New-TestPod -Cluster $Cluster -Namespace $ns -Name 'probe'
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $script:OldYaml = Join-Path $packages 'yamldotnet/13.1.1/lib/net7.0/YamlDotNet.dll'
}

Describe 'Module isolation' {
    It 'has YamlDotNet 13.1.1 available (dotnet restore tests/tools/PodTools.TestTools.csproj)' {
        Test-Path $OldYaml | Should -BeTrue
    }

    It 'imports and lists pods after another YamlDotNet was loaded, and again after Remove-Module' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$($OldYaml -replace "'", "''")'
Import-Module '$((Get-TestModulePath) -replace "'", "''")'
`$first = @(Get-KPod -Kubeconfig '$($Cluster.Kubeconfig -replace "'", "''")' -AllNamespaces)
`$alcs = [System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object {
    `$context = `$_
    `$context.Assemblies | Where-Object { `$_.GetName().Name -in 'YamlDotNet', 'KubernetesClient', 'PodTools.Engine' } |
        ForEach-Object { '{0}|{1}|{2}' -f `$context.Name, `$_.GetName().Name, `$_.GetName().Version.Major }
}
Remove-Module PodTools
Import-Module '$((Get-TestModulePath) -replace "'", "''")'
`$second = @(Get-KPod -Kubeconfig '$($Cluster.Kubeconfig -replace "'", "''")' -Namespace '$ns')
[pscustomobject]@{ First = `$first.Count; Second = `$second.Count; Type = `$first[0].GetType().FullName; Loaded = @(`$alcs) } |
    ConvertTo-Json -Compress
"@
        $lines = @(Invoke-ChildPwsh -Script $script 2>&1 | ForEach-Object { "$_" })
        $LASTEXITCODE | Should -Be 0 -Because ($lines -join "`n")
        $result = $lines[-1] | ConvertFrom-Json

        $result.First | Should -BeGreaterThan 0
        $result.Second | Should -Be 1
        $result.Type | Should -Be 'PodTools.Engine.Model.KPod'
        $result.Loaded | Should -Contain 'Default|YamlDotNet|13'
        $result.Loaded | Should -Contain 'PodTools|YamlDotNet|18'
        $result.Loaded | Should -Contain 'PodTools|KubernetesClient|21'
        $result.Loaded | Should -Contain 'PodTools|PodTools.Engine|0'
        $result.Loaded | Where-Object { $_ -like 'Default|KubernetesClient|*' } | Should -BeNullOrEmpty
    }
}
