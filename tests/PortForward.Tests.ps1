#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Start-/Stop-/Invoke-KPodPortForward against the test cluster's port-forward endpoint: parallel HTTP requests, each
# connection on its own stream, stopping, the script-block form (its output streamed, its errors, Ctrl+C), and the
# refusals.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'portfwd'
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'web' -Containers @(
        @{ name = 'http'; image = 'nginx'; ports = @(@{ containerPort = 80 }) }
        @{ name = 'admin'; image = 'busybox'; ports = @(@{ containerPort = 9090 }) }
    )
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'stuck' -Containers @(@{ name = 'main'; image = 'busybox:missing'; ports = @(@{ containerPort = 80 }) })
    Wait-TestCondition -Because 'the web pod to run' -Condition { (Get-KPod -Namespace $Ns -Name web).Status -eq 'Running' }

    function Get-Http {
        # One GET per new HttpClient, so every request opens its own local connection.
        param([int] $Port, [string] $Path = '/')
        $client = [System.Net.Http.HttpClient]::new()
        $client.Timeout = [TimeSpan]::FromSeconds(20)
        try { $client.GetStringAsync("http://127.0.0.1:$Port$Path").GetAwaiter().GetResult() } finally { $client.Dispose() }
    }
}

AfterAll {
    Stop-KPodPortForward -All -ErrorAction SilentlyContinue
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Start-KPodPortForward' {
    It 'returns a session and answers 10 parallel HTTP requests, each connection on its own stream' {
        $session = Start-KPodPortForward -Namespace $Ns -Name web -Port ':80'
        try {
            $session.GetType().FullName | Should -Be 'PodTools.Engine.Model.KPortForward'
            $session.Pod | Should -Be 'web'
            $session.RemotePort | Should -Be 80
            $session.LocalPort | Should -BeGreaterThan 0
            $session.IsRunning | Should -BeTrue

            $clients = 1..10 | ForEach-Object {
                $client = [System.Net.Http.HttpClient]::new()
                $client.Timeout = [TimeSpan]::FromSeconds(30)
                $client
            }
            $tasks = for ($i = 0; $i -lt 10; $i++) { $clients[$i].GetStringAsync("http://127.0.0.1:$($session.LocalPort)/req-$i") }
            [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]] $tasks, [TimeSpan]::FromSeconds(60)) | Should -BeTrue
            $clients | ForEach-Object Dispose

            for ($i = 0; $i -lt 10; $i++) {
                $tasks[$i].Result | Should -BeLike "pod=web namespace=$Ns container=http port=80 method=GET path=/req-$i*"
            }
            $session.Connections | Should -Be 10
        }
        finally {
            $session | Stop-KPodPortForward
        }
    }

    It 'forwards several mappings at once to the containers that declare the ports' {
        $local = Get-UnusedTcpPort
        $sessions = Start-KPodPortForward -Namespace $Ns -Name web -Port "$($local):80", ':9090'
        try {
            $sessions.Count | Should -Be 2
            $sessions[0].LocalPort | Should -Be $local
            Get-Http -Port $sessions[0].LocalPort | Should -BeLike '*container=http port=80*'
            Get-Http -Port $sessions[1].LocalPort | Should -BeLike '*container=admin port=9090*'
        }
        finally {
            $sessions | Stop-KPodPortForward
        }
    }

    It 'stops forwarding on Stop-KPodPortForward and closes the local port' {
        $session = Start-KPodPortForward -Namespace $Ns -Name web -Port ':80'
        Get-Http -Port $session.LocalPort | Should -BeLike 'pod=web*'

        Stop-KPodPortForward -Name web

        $session.IsRunning | Should -BeFalse
        { Get-Http -Port $session.LocalPort } | Should -Throw
    }

    It 'refuses a pod that is not running' {
        $sessions = Start-KPodPortForward -Namespace $Ns -Name stuck -Port ':80' -ErrorVariable err -ErrorAction SilentlyContinue
        $sessions | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PodNotRunning,*'
    }

    It 'reports Forbidden for the read-only viewer' {
        $sessions = Start-KPodPortForward -Namespace $Ns -Name web -Port ':80' -Context viewer -ErrorVariable err -ErrorAction SilentlyContinue
        $sessions | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'Forbidden,*'
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'refuses a malformed port mapping before any request' {
        { Start-KPodPortForward -Namespace $Ns -Name web -Port 'http' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidPortMapping*'
    }
}

Describe 'Invoke-KPodPortForward' {
    It 'forwards only while the script block runs and returns its output' {
        $seen = @{}
        $answer = Invoke-KPodPortForward -Namespace $Ns -Name web -Port ':80' -ScriptBlock {
            param($session)
            $seen.Session = $session
            Get-Http -Port $session.LocalPort -Path '/inside'
        }

        $answer | Should -BeLike '*path=/inside*'
        $seen.Session.IsRunning | Should -BeFalse
        { Get-Http -Port $seen.Session.LocalPort } | Should -Throw
    }

    It 'stops the forward when the script block fails' {
        $seen = @{}
        {
            Invoke-KPodPortForward -Namespace $Ns -Name web -Port ':80' -ScriptBlock {
                $seen.Session = $_
                throw 'boom'
            }
        } | Should -Throw '*boom*'
        $seen.Session.IsRunning | Should -BeFalse
    }

    It 'gives the block the sessions in $_ and as arguments, and the caller''s variables' {
        $prefix = 'ports'
        $line = Invoke-KPodPortForward -Namespace $Ns -Name web -Port ':80', ':9090' -ScriptBlock {
            param($http, $admin)
            "$prefix $($http.RemotePort) $($admin.RemotePort) $($_.RemotePort -join ',')"
        }
        $line | Should -Be 'ports 80 9090 80,9090'
    }

    It 'gives $_ and the arguments to a block that a function of another module passes on' {
        $other = New-Module -ScriptBlock { }
        $line = & $other {
            param($Kubeconfig, $Namespace, $Block)
            Invoke-KPodPortForward -Kubeconfig $Kubeconfig -Namespace $Namespace -Name web -Port ':80' -ScriptBlock $Block
        } $Cluster.Kubeconfig $Ns { "$($_.RemotePort) $($args[0].RemotePort)" }
        $line | Should -Be '80 80'
    }

    It 'streams the block''s output down the pipeline as it is written, while the forward is open' {
        $seen = @{}
        $arrivals = Invoke-KPodPortForward -Namespace $Ns -Name web -Port ':80' -ScriptBlock {
            $_
            Start-Sleep -Seconds 3
            'last'
        } | ForEach-Object {
            if ($_.GetType().Name -eq 'KPortForward') { $seen.Answer = Get-Http -Port $_.LocalPort -Path '/downstream' }
            [pscustomobject]@{ Item = $_; At = [datetime]::UtcNow }
        }

        $arrivals.Count | Should -Be 2
        $seen.Answer | Should -BeLike '*path=/downstream*'
        ($arrivals[1].At - $arrivals[0].At).TotalSeconds | Should -BeGreaterThan 2
        $arrivals[0].Item.IsRunning | Should -BeFalse
    }

    It 'ends the block and stops the forward once a downstream Select-Object -First has enough' {
        $seen = @{}
        $elapsed = Measure-Command {
            $seen.First = Invoke-KPodPortForward -Namespace $Ns -Name web -Port ':80' -ScriptBlock {
                $seen.Session = $_
                1
                Start-Sleep -Seconds 30
                2
            } | Select-Object -First 1
        }

        $seen.First | Should -Be 1
        $elapsed.TotalSeconds | Should -BeLessThan 10
        $seen.Session.IsRunning | Should -BeFalse
        { Get-Http -Port $seen.Session.LocalPort } | Should -Throw
    }

    It 'keeps errors the block writes non-terminating, in the caller''s error stream and -ErrorVariable' {
        $seen = @{}
        $all = & {
            Invoke-KPodPortForward -Namespace $Ns -Name web -Port ':80' -ScriptBlock {
                Write-Error 'probe failed' -ErrorId ProbeFailed
                'after the error'
            } -ErrorVariable collected
            $seen.Collected = $collected
        } 2>&1

        $errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ProbeFailed*'
        $all[-1] | Should -Be 'after the error'
        $seen.Collected.Count | Should -Be 1
    }

    It 'ends with the block''s runtime error, not attributed to an internal Invoke-Command, and stops the forward' {
        $seen = @{}
        $thrown = {
            Invoke-KPodPortForward -Namespace $Ns -Name web -Port ':80' -ScriptBlock {
                $seen.Session = $_
                'before'
                [int]::Parse('not a number')
            }
        } | Should -Throw -ExceptionType ([System.Management.Automation.MethodInvocationException]) -PassThru

        $thrown.InvocationInfo.MyCommand.Name | Should -Not -Be 'Invoke-Command'
        $seen.Session.IsRunning | Should -BeFalse
    }

    It 'stops the forward when the pipeline is stopped (Ctrl+C) while the block runs' {
        $local = Get-UnusedTcpPort
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-TestModulePath)'; Invoke-KPodPortForward -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' -Name web -Port '$($local):80' -ScriptBlock { Start-Sleep -Seconds 600 }")
            $handle = $ps.BeginInvoke()
            Wait-TestCondition -Because 'the forward to answer' -Condition { try { $null = Get-Http -Port $local; $true } catch { $false } }

            $stopped = Measure-Command { $ps.Stop() }

            $stopped.TotalSeconds | Should -BeLessThan 10
            $handle.IsCompleted | Should -BeTrue
            { Get-Http -Port $local } | Should -Throw
        }
        finally {
            $ps.Dispose()
        }
    }
}
