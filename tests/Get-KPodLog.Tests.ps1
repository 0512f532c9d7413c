#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Get-KPodLog against the test cluster's kubelet logs: one object per line, views, containers, -Previous after a
# crash, -Tail, and -Follow (one pod and merged across pods) stopped from outside.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'podlog'
    $printer = @{ name = 'main'; image = 'busybox'; command = @('sh', '-c', 'echo one; echo two; echo three; exec sleep 3600') }
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'printer' -Containers @($printer)
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'pair' -Containers @(
        @{ name = 'left'; image = 'busybox'; command = @('sh', '-c', 'echo from-left; exec sleep 3600') }
        @{ name = 'right'; image = 'busybox'; command = @('sh', '-c', 'echo from-right; exec sleep 3600') }
    )
    $ticker = 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.3; done'
    foreach ($name in 'ticker-a', 'ticker-b') {
        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name $name -Labels @{ app = 'ticker' } -Containers @(
            @{ name = 'main'; image = 'busybox'; command = @('sh', '-c', $ticker) })
    }
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'crasher' -Containers @(@{ name = 'main'; image = 'busybox:crash' })
    Wait-TestCondition -Because 'the log pods to run and print' -Condition {
        $pods = Get-KPod -Namespace $Ns -Name printer, pair, ticker-a, ticker-b -ErrorAction SilentlyContinue
        @($pods | Where-Object Status -eq 'Running').Count -eq 4
    }
    Wait-TestCondition -Because 'the crashing container to restart once' -Condition {
        (Get-KPod -Namespace $Ns -Name crasher).Restarts -ge 1
    }

    function Start-FollowRunspace {
        # Get-KPodLog -Follow in its own runspace, so the test can stop it like Ctrl+C would.
        param([string] $Script)
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$(Get-TestModulePath)'; " + $Script)
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        [pscustomobject]@{ PowerShell = $ps; Output = $output; Handle = $handle }
    }

    function Get-Snapshot {
        # The lines so far, by index: enumerating a PSDataCollection that is still open blocks until it closes.
        param($Collection)
        for ($i = 0; $i -lt $Collection.Count; $i++) { $Collection[$i] }
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Get-KPodLog' {
    It 'emits one object per line with Pod, Container, Timestamp and Line' {
        Wait-TestCondition -Because 'the printer to print three lines' -Condition {
            @(Get-KPodLog -Namespace $Ns -Name printer).Count -ge 3
        }
        $lines = Get-KPodLog -Namespace $Ns -Name printer

        $lines.Line | Should -Be @('one', 'two', 'three')
        $lines[0].GetType().FullName | Should -Be 'PodTools.Engine.Model.KPodLogLine'
        $lines[0].Pod | Should -Be 'printer'
        $lines[0].Namespace | Should -Be $Ns
        $lines[0].Container | Should -Be 'main'
        $lines[0].Timestamp | Should -BeOfType [datetime]
        ([DateTime]::UtcNow - $lines[0].Timestamp).TotalMinutes | Should -BeLessThan 10
    }

    It 'shows just the lines for one log' {
        $text = (Get-KPodLog -Namespace $Ns -Name printer | Out-String).Trim() -split '\r?\n' | Where-Object { $_ }
        $text | Should -Be @('one', 'two', 'three')
    }

    It 'shows timestamps in front of the lines with -Timestamps' {
        $text = (Get-KPodLog -Namespace $Ns -Name printer -Timestamps | Out-String).Trim() -split '\r?\n' | Where-Object { $_ }
        $text[0] | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z one$'
    }

    It 'returns the last lines with -Tail' {
        (Get-KPodLog -Namespace $Ns -Name printer -Tail 2).Line | Should -Be @('two', 'three')
    }

    It 'refuses a two-container pod without -Container and lists the containers' {
        $lines = Get-KPodLog -Namespace $Ns -Name pair -ErrorVariable err -ErrorAction SilentlyContinue

        $lines | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ContainerNameRequired,*'
        $err[0].Exception.Message | Should -BeLike '*`[left right`]*'
    }

    It 'reads the named container with -Container' {
        (Get-KPodLog -Namespace $Ns -Name pair -Container right).Line | Should -Be 'from-right'
    }

    It 'reads every container with -AllContainers and prefixes each line with pod/container' {
        $lines = Get-KPodLog -Namespace $Ns -Name pair -AllContainers

        ($lines | ForEach-Object { "$($_.Container):$($_.Line)" }) | Should -Be @('left:from-left', 'right:from-right')
        $text = ($lines | Out-String).Trim() -split '\r?\n' | Where-Object { $_ }
        $text | Should -Be @('[pair/left] from-left', '[pair/right] from-right')
    }

    It 'takes pods from the pipeline and prefixes lines of several pods' {
        $lines = Get-KPod -Namespace $Ns -Name printer, pair | Get-KPodLog -Container main -ErrorVariable err -ErrorAction SilentlyContinue

        # pair has no container "main": its error does not stop printer's log.
        $lines.Line | Should -Be @('one', 'two', 'three')
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ContainerNotFound,*'
    }

    It 'reads what kubectl logs reads, container by container' {
        $kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        foreach ($container in 'left', 'right') {
            $fromKubectl = & $kubectl.Source --kubeconfig $Cluster.Kubeconfig -n $Ns logs pair -c $container
            (Get-KPodLog -Namespace $Ns -Name pair -Container $container).Line | Should -Be $fromKubectl
        }
        (& $kubectl.Source --kubeconfig $Cluster.Kubeconfig -n $Ns logs crasher --previous) |
            Should -Be (Get-KPodLog -Namespace $Ns -Name crasher -Previous).Line
    }

    It 'reads the log of the crashed previous instance with -Previous' {
        $previous = Get-KPodLog -Namespace $Ns -Name crasher -Previous

        $previous.Line | Should -Contain 'busybox:crash: container main started'
        $previous[0].Pod | Should -Be 'crasher'
    }

    It 'reports the server''s refusal of -Previous when there was no previous instance' {
        Get-KPodLog -Namespace $Ns -Name printer -Previous -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -BeLike '*previous terminated container*not found*'
    }

    It 'follows one log until stopped from outside' {
        $run = Start-FollowRunspace "Get-KPodLog -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' -Name ticker-a -Tail 1 -Follow"
        try {
            Wait-TestCondition -TimeoutSeconds 20 -Because 'new ticks to stream in' -Condition { $run.Output.Count -ge 5 }
            $run.Handle.IsCompleted | Should -BeFalse
        }
        finally {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $run.PowerShell.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $run.PowerShell.Dispose()
        }
        $numbers = Get-Snapshot $run.Output | ForEach-Object { [int]($_.Line -replace '^tick ') }
        # Consecutive ticks, written after the follow started.
        for ($i = 1; $i -lt $numbers.Count; $i++) { $numbers[$i] | Should -Be ($numbers[$i - 1] + 1) }
    }

    It 'merges the followed logs of several pods as lines arrive' {
        $run = Start-FollowRunspace "Get-KPod -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' -Selector app=ticker | Get-KPodLog -Kubeconfig '$($Cluster.Kubeconfig)' -Tail 0 -Follow"
        try {
            Wait-TestCondition -TimeoutSeconds 20 -Because 'ticks of both pods' -Condition {
                @(Get-Snapshot $run.Output | Select-Object -ExpandProperty Pod -Unique).Count -eq 2 -and $run.Output.Count -ge 8
            }
        }
        finally {
            $run.PowerShell.Stop()
            $run.PowerShell.Dispose()
        }
        $pods = @(Get-Snapshot $run.Output | ForEach-Object Pod)
        # Interleaved: the pod changes more than once along the merged stream.
        $switches = @(1..($pods.Count - 1) | Where-Object { $pods[$_] -ne $pods[$_ - 1] }).Count
        $switches | Should -BeGreaterThan 1
        $run.Output[0].PSObject.TypeNames[0] | Should -Be 'PodTools.Engine.Model.KPodLogLine#Prefixed'
    }
}
