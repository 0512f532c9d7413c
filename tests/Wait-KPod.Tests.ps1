#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Wait-KPod against the test cluster: conditions, pipeline input, early failure reasons, timeouts, watch not polling.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'waitkpod'

    function script:Get-PodRequests {
        param([string] $Name)
        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
            Where-Object { $_.path -like "*/namespaces/$Ns/pods*" -and ($_.path -like "*/$Name" -or $_.query -like "*$Name*") })
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Wait-KPod' {
    It 'writes the pod once it is Ready, by one list and one watch instead of polling' {
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests
        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name ready-1

        $pod = Wait-KPod -Namespace $Ns -Name ready-1 -Condition Ready -Timeout 60

        $pod.GetType().FullName | Should -Be 'PodTools.Engine.Model.KPod'
        $pod.Status | Should -Be 'Running'
        $pod.Ready | Should -Be '1/1'
        $requests = Get-PodRequests 'ready-1' | Where-Object method -eq 'GET'
        @($requests | Where-Object query -match 'watch=true').Count | Should -BeGreaterOrEqual 1
        @($requests | Where-Object query -notmatch 'watch=true').Count | Should -Be 1
        $requests[0].query | Should -Match 'fieldSelector=metadata.name%3Dready-1'
    }

    It 'waits for every pod piped in from Get-KPod, concurrently' {
        foreach ($n in 'run-1', 'run-2', 'run-3') { $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name $n -Labels @{ app = 'run' } }

        $elapsed = Measure-Command {
            $script:pods = Get-KPod -Namespace $Ns -Selector app=run | Wait-KPod -Condition Running -Timeout 60
        }

        $pods.Name | Sort-Object | Should -Be @('run-1', 'run-2', 'run-3')
        $pods.Status | Select-Object -Unique | Should -Be 'Running'
        $elapsed.TotalSeconds | Should -BeLessThan 30
    }

    It 'returns when a pod runs to completion' {
        $null = Invoke-TestClusterApi -Cluster $Cluster -Method POST -Path "/api/v1/namespaces/$Ns/pods" -Body @{
            apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'job-1' }
            spec = @{ restartPolicy = 'Never'; containers = @(@{ name = 'main'; image = 'busybox:exit0' }) }
        }

        (Wait-KPod -Namespace $Ns -Name job-1 -Condition Completed -Timeout 60).Status | Should -Be 'Completed'
    }

    It 'writes nothing for -Condition Deleted unless -PassThru, and returns once the pod is gone' {
        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name gone-1
        $null = Invoke-TestClusterApi -Cluster $Cluster -Method DELETE -Path "/api/v1/namespaces/$Ns/pods/gone-1?gracePeriodSeconds=0"
        Wait-KPod -Namespace $Ns -Name gone-1 -Condition Deleted -Timeout 30 | Should -BeNullOrEmpty

        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name gone-2
        Wait-KPod -Namespace $Ns -Name gone-2 -Condition Deleted -Timeout 1 -ErrorVariable held -ErrorAction SilentlyContinue
        $held[0].FullyQualifiedErrorId | Should -BeLike 'WaitTimeout,*'

        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$(Get-TestModulePath)'; Wait-KPod -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' -Name gone-2 -Condition Deleted -PassThru -Timeout 60")
        $handle = $ps.BeginInvoke()
        Start-Sleep -Seconds 2
        $handle.IsCompleted | Should -BeFalse
        $null = Invoke-TestClusterApi -Cluster $Cluster -Method DELETE -Path "/api/v1/namespaces/$Ns/pods/gone-2?gracePeriodSeconds=0"
        $last = @($ps.EndInvoke($handle))[0]
        $ps.Dispose()

        $last.Name | Should -Be 'gone-2'
        $last.GetType().FullName | Should -Be 'PodTools.Engine.Model.KPod'
    }

    It 'reports CrashLoopBackOff at once instead of waiting for the timeout' {
        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name crash-1 -Containers @(@{ name = 'main'; image = 'busybox:crash' })

        $elapsed = Measure-Command {
            Wait-KPod -Namespace $Ns -Name crash-1 -Condition Completed -Timeout 300 -ErrorVariable errors -ErrorAction SilentlyContinue
        }

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PodFailed,*'
        $errors[0].Exception.Reason | Should -Be 'CrashLoopBackOff'
        $errors[0].TargetObject | Should -Be 'crash-1'
        $elapsed.TotalSeconds | Should -BeLessThan 120
    }

    It 'reports ImagePullBackOff for a missing image and Unschedulable with the scheduler message' {
        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name pull-1 -Containers @(@{ name = 'main'; image = 'nginx:missing' })
        $null = Invoke-TestClusterApi -Cluster $Cluster -Method POST -Path "/api/v1/namespaces/$Ns/pods" -Body @{
            apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'nowhere-1' }
            spec = @{ nodeSelector = @{ disk = 'none' }; containers = @(@{ name = 'main'; image = 'nginx' }) }
        }

        Wait-KPod -Namespace $Ns -Name pull-1, nowhere-1 -Timeout 120 -ErrorVariable errors -ErrorAction SilentlyContinue

        $byTarget = @{}
        foreach ($e in $errors) { $byTarget[$e.TargetObject] = $e }
        $byTarget['pull-1'].Exception.Reason | Should -Be 'ImagePullBackOff'
        $byTarget['nowhere-1'].Exception.Reason | Should -Be 'Unschedulable'
        $byTarget['nowhere-1'].Exception.Message | Should -Match "didn't match Pod's node affinity/selector"
    }

    It 'writes WaitTimeout (OperationTimeout) per pod that does not get there in time' {
        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name slow-1 -Containers @(@{ name = 'main'; image = 'nginx:slow' })

        Wait-KPod -Namespace $Ns -Name slow-1 -Timeout 1 -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'WaitTimeout,*'
        $errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $errors[0].Exception.Message | Should -Match "pod 'slow-1' in namespace '$Ns' to be Ready"
    }

    It 'writes PodNotFound for a missing pod and still waits for the others' {
        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name present-1

        $pods = Wait-KPod -Namespace $Ns -Name ghost, present-1 -Condition Running -Timeout 60 -ErrorVariable errors -ErrorAction SilentlyContinue

        $pods.Name | Should -Be 'present-1'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PodNotFound,*'
        $errors[0].TargetObject | Should -Be 'ghost'
    }

    It 'works for the read-only viewer (waiting only reads)' {
        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name viewed-1

        (Wait-KPod -Context viewer -Namespace $Ns -Name viewed-1 -Condition Running -Timeout 60).Name | Should -Be 'viewed-1'
    }

    It 'is cancelled by Ctrl+C (StopProcessing) within seconds' {
        $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name forever-1 -Containers @(@{ name = 'main'; image = 'busybox:crash' })
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$(Get-TestModulePath)'; Wait-KPod -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' -Name forever-1 -Condition Deleted -Timeout 600")
        $handle = $ps.BeginInvoke()
        Start-Sleep -Seconds 3
        $handle.IsCompleted | Should -BeFalse

        $stopped = Measure-Command { $ps.Stop() }

        $stopped.TotalSeconds | Should -BeLessThan 5
        $ps.Dispose()
    }
}
