#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Bulk label runs on a private test cluster: injected faults, Ctrl+C, a pod deleted mid-run, kubectl agreement.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    # Faults and latency are cluster-wide: a private cluster keeps them away from the other test files.
    $script:Cluster = Start-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1

    function New-SeededNamespace([int] $Count, [string] $Prefix) {
        $ns = New-TestNamespace -Cluster $Cluster -Prefix $Prefix
        $seeded = Invoke-TestClusterControl -Cluster $Cluster -Method POST -Endpoint seed -Body @{
            namespace = $ns; count = $Count; namePrefix = 'p-'; labels = @{ app = 'bulk' }; image = 'nginx'
        }
        $seeded.created | Should -Be $Count
        $ns
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    if ($Cluster) { $Cluster | Stop-TestCluster }
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Bulk labelling' {
    AfterEach {
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint faults
    }

    It 'labels every one of 500 pods through 10% injected 503 and 429 faults' {
        $ns = New-SeededNamespace -Count 500 -Prefix 'bulkfault'
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method PUT -Endpoint faults -Body @{
            latencyMs = 0
            rules = @(
                @{ verb = 'patch'; pathRegex = '/pods/'; status = 503; rate = 0.05 }
                @{ verb = 'patch'; pathRegex = '/pods/'; status = 429; rate = 0.05; retryAfterSeconds = 1 }
            )
        }
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        $out = Get-KPod -Namespace $ns -Selector app=bulk | Set-KPodLabel @{ tier = 'frontend' } -PassThru -ErrorVariable failures -ErrorAction SilentlyContinue -Verbose 4>&1
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint faults

        $failures | Should -BeNullOrEmpty
        @($out | Where-Object { $_.GetType().FullName -eq "PodTools.Engine.Model.KPod" }).Count | Should -Be 500
        $summary = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Set-KPodLabel: *' })
        $summary.Count | Should -Be 1
        $summary[0].Message | Should -BeLike '*500 pods: 500 labeled, 0 unchanged, 0 failed*'
        $patches = @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object { $_.method -eq 'PATCH' })
        @($patches | Where-Object status -In 429, 503).Count | Should -BeGreaterThan 0 -Because 'faults must have been injected for retries to be tested'
        @($patches | Where-Object status -EQ 200).Count | Should -Be 500
        (Get-KPod -Namespace $ns -Selector 'app=bulk,tier=frontend').Count | Should -Be 500
        if ($Kubectl) {
            @(& $Kubectl --kubeconfig $Cluster.Kubeconfig get pods -n $ns -l 'tier=frontend' -o name).Count | Should -Be 500
        }
    }

    It 'starts patching before the pipeline input has ended' {
        $ns = New-SeededNamespace -Count 60 -Prefix 'bulkstream'
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests
        $firstPatchSeen = $false

        Get-KPod -Namespace $ns -PageSize 10 | ForEach-Object -Begin { $i = 0 } -Process {
            $i++
            if ($i -eq 50) {
                # By the 50th pod the first ones must already be patched, a request log read away.
                $script:firstPatchSeen = @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object method -EQ 'PATCH').Count -gt 0
            }
            $_
        } | Set-KPodLabel @{ streamed = 'yes' } -ErrorAction Stop

        $script:firstPatchSeen | Should -BeTrue
        (Get-KPod -Namespace $ns -Selector streamed=yes).Count | Should -Be 60
    }

    It 'gives one PodNotFound for a pod deleted mid-run while the rest succeed' {
        $ns = New-SeededNamespace -Count 40 -Prefix 'bulkdelete'
        $pods = Get-KPod -Namespace $ns

        $pods | ForEach-Object -Begin { $i = 0 } -Process {
            $i++
            if ($i -eq 10) {
                $victim = $pods[30].Name
                $null = Invoke-TestClusterApi -Cluster $Cluster -Method DELETE -Path "/api/v1/namespaces/$ns/pods/$($victim)?gracePeriodSeconds=0"
                Wait-TestCondition -TimeoutSeconds 20 -Because 'the pod to be gone' -Condition { -not (Get-KPod -Namespace $ns -Name $victim -ErrorAction SilentlyContinue) }
                $script:Victim = $victim
            }
            $_
        } | Set-KPodLabel @{ survived = 'yes' } -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PodNotFound,*'
        $errors[0].TargetObject | Should -Be $script:Victim
        (Get-KPod -Namespace $ns -Selector survived=yes).Count | Should -Be 39
    }

    It 'stops quickly on Ctrl+C and reports how many pods were done' {
        $ns = New-SeededNamespace -Count 300 -Prefix 'bulkstop'
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method PUT -Endpoint faults -Body @{ latencyMs = 200; rules = @() }
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($Module, $Kubeconfig, $Namespace)
                Import-Module $Module
                Set-KPodLabel -Kubeconfig $Kubeconfig -Namespace $Namespace -Selector app=bulk @{ stopped = 'no' } -ThrottleLimit 4
            }).AddArgument((Get-TestModulePath)).AddArgument($Cluster.Kubeconfig).AddArgument($ns)
        try {
            $handle = $ps.BeginInvoke()
            # Stop once the run is well under way (module import and connection in the new runspace come first).
            Wait-TestCondition -TimeoutSeconds 60 -Because 'the first patches' -Condition {
                @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object { $_.method -eq 'PATCH' -and $_.path -like "*/$ns/*" }).Count -ge 12
            }
            $handle.IsCompleted | Should -BeFalse -Because '300 pods at 200 ms and 4 in flight take about 15 s'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()

            $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
            $warning = @($ps.Streams.Warning | Where-Object Message -Like 'Set-KPodLabel stopped:*')
            $warning.Count | Should -Be 1
            $warning[0].Message -match 'stopped: (?<done>\d+) of (?<submitted>\d+) pods done' | Should -BeTrue -Because $warning[0].Message
            $done = [int] $Matches.done
            $done | Should -BeGreaterThan 0
            $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint faults
            $labelled = @(Get-KPod -Namespace $ns -Selector stopped=no).Count
            $labelled | Should -BeLessThan 300
            # Requests cancelled in flight may still have reached the server: at most ThrottleLimit more.
            $labelled | Should -BeGreaterOrEqual $done
            $labelled | Should -BeLessOrEqual ($done + 4)
        }
        finally {
            $ps.Dispose()
        }
    }
}
