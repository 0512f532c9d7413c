# The .nupkg from `build.ps1 -Task Package` installs with Install-PSResource from a local folder repository.
Describe 'Module package' {
    BeforeAll {
        $package = Get-ChildItem $env:PODTOOLS_PACKAGE_DIR -Filter 'PodTools.*.nupkg' -ErrorAction SilentlyContinue |
            Select-Object -First 1
        $tempHome = Join-Path ([IO.Path]::GetTempPath()) "podtools-pkg-$([guid]::NewGuid().ToString('n'))"
        $null = New-Item -ItemType Directory $tempHome
    }
    AfterAll {
        Remove-Item $tempHome -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'exists after the Package task' {
        $package | Should -Not -BeNullOrEmpty
    }

    It 'installs from a local folder repository into a temporary home and imports' {
        # A child session with HOME pointing at a temporary folder: the repository registration and the
        # CurrentUser install both land there, never in the real profile.
        $script = Join-Path $tempHome 'install.ps1'
        Set-Content $script -Value {
            param($PackageFolder, $Kubeconfig)
            $ErrorActionPreference = 'Stop'
            Register-PSResourceRepository -Name PodToolsLocal -Uri $PackageFolder -Trusted
            Install-PSResource -Name PodTools -Repository PodToolsLocal -Scope CurrentUser -TrustRepository -Quiet
            $installed = Get-InstalledPSResource -Name PodTools
            Import-Module PodTools
            $module = Get-Module PodTools
            $pods = @(Get-KPod -Kubeconfig $Kubeconfig -Namespace kube-system)
            [pscustomobject]@{
                InstalledVersion = [string] $installed.Version
                ModuleBase = $module.ModuleBase
                Cmdlets = @($module.ExportedCmdlets.Keys)
                GetKPodWorked = $?
            } | ConvertTo-Json -Compress
        }.ToString()
        $output = & {
            $savedHome = $env:HOME; $savedData = $env:XDG_DATA_HOME; $savedConfig = $env:XDG_CONFIG_HOME
            try {
                $env:HOME = $tempHome; $env:XDG_DATA_HOME = Join-Path $tempHome '.local/share'; $env:XDG_CONFIG_HOME = Join-Path $tempHome '.config'
                # This PowerShell runs as a dotnet tool: start its pwsh.dll the same way.
                & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $script $package.DirectoryName $env:PODTOOLS_TEST_KUBECONFIG
            }
            finally { $env:HOME = $savedHome; $env:XDG_DATA_HOME = $savedData; $env:XDG_CONFIG_HOME = $savedConfig }
        }
        $LASTEXITCODE | Should -Be 0
        $result = $output | Select-Object -Last 1 | ConvertFrom-Json
        $result.ModuleBase | Should -BeLike "$tempHome*"
        $result.Cmdlets | Should -Contain 'Get-KPod'
        $result.GetKPodWorked | Should -BeTrue
    }
}
