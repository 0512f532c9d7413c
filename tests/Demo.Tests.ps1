#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The demo (build.ps1 -Task Demo) runs start to finish against the test cluster in a fresh pwsh and tells the story.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    $script:Cluster = Get-TestCluster

    function script:Invoke-DemoScript {
        # A fresh pwsh, as build.ps1 runs it: the same PowerShell that runs the tests, started as pwsh or as a dotnet tool.
        $saved = $env:PODTOOLS_MODULE, $env:PODTOOLS_TEST_KUBECONFIG
        $env:PODTOOLS_MODULE = Get-TestModulePath
        $env:PODTOOLS_TEST_KUBECONFIG = $Cluster.Kubeconfig
        try {
            $demo = Join-Path $PSScriptRoot 'Demo.ps1'
            $processPath = [Environment]::ProcessPath
            $arguments = @('-NoProfile', '-NonInteractive', '-File', $demo)
            if ([IO.Path]::GetFileNameWithoutExtension($processPath) -ne 'pwsh') {
                $arguments = @([Reflection.Assembly]::GetEntryAssembly().Location) + $arguments
            }
            $output = & $processPath @arguments 2>&1 | ForEach-Object { "$_" }
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output -join "`n") -replace '\x1b\[[0-9;]*m', '' }
        }
        finally {
            $env:PODTOOLS_MODULE, $env:PODTOOLS_TEST_KUBECONFIG = $saved
        }
    }

    $script:Run = Invoke-DemoScript
}

Describe 'Demo.ps1' {
    It 'exits 0 with every step passed' {
        $failed = ($Run.Text -split "`n" | Where-Object { $_ -match 'STEP FAILED|^\s+Step-' }) -join "`n"

        $Run.ExitCode | Should -Be 0 -Because $failed
        $Run.Text | Should -Match 'DEMO PASSED: \d+ steps'
    }

    It 'prints each command at a prompt before its output' {
        $Run.Text | Should -Match ([regex]::Escape('PS> New-KPod -Path ./shop-web.yaml -Wait -Timeout 120'))
        $Run.Text | Should -Match ([regex]::Escape('PS> Get-KPod -Name shop-web | Get-KPodContainer'))
        $Run.Text | Should -Match ([regex]::Escape("PS> Get-KPod -Selector 'tier in (backend,cache),env!=prod'"))
        $Run.Text | Should -Match ([regex]::Escape("PS> Remove-KNamespace -Name shop-staging -Wait -Confirm:`$false"))
    }

    It 'shows the tables a user sees: pods, the wide view, containers, nodes and namespaces' {
        $Run.Text | Should -Match 'NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE'
        $Run.Text | Should -Match 'shop-web\s+2/2\s+Running'
        $Run.Text | Should -Match 'IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES'
        $Run.Text | Should -Match 'NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION'
        $Run.Text | Should -Match 'worker002\s+Ready'
        $Run.Text | Should -Match 'shop-staging\s+Active'
    }

    It 'shows the refused overwrite and the pod count before deleting the namespace' {
        $Run.Text | Should -Match "Set-KPodLabel: .*'tier'.*frontend"
        $Run.Text | Should -Match "What if: Deleting namespace 'shop-staging' and the 2 pods in it\."
    }

    It 'leaves nothing behind on the cluster' {
        $ns = Invoke-TestClusterApi -Cluster $Cluster -Method GET -Path '/api/v1/namespaces'
        $ns.items.metadata.name | Should -Not -Contain 'shop-staging'
        (Invoke-TestClusterApi -Cluster $Cluster -Method GET -Path '/api/v1/namespaces/default/pods?labelSelector=app%3Dshop').items.Count | Should -Be 0
        (Invoke-TestClusterApi -Cluster $Cluster -Method GET -Path '/api/v1/nodes/worker002').metadata.labels.PSObject.Properties.Name |
            Should -Not -Contain 'disktype'
    }
}
