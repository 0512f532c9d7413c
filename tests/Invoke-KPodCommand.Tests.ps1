#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Invoke-KPodCommand against the test cluster's exec endpoint: container identity, exit codes, stdin, streaming
# output, bulk runs across pods, and the refusals (unknown container, pod not running, forbidden).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'execcmd'
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'duo' -Containers @(
        @{ name = 'web'; image = 'nginx' }
        @{ name = 'side'; image = 'busybox' }
    )
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'solo'
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'stuck' -Containers @(@{ name = 'main'; image = 'busybox:missing' })
    $null = Invoke-TestClusterApi -Cluster $Cluster -Method POST -Path "/api/v1/namespaces/$Ns/pods" -Body @{
        apiVersion = 'v1'; kind = 'Pod'
        metadata = @{ name = 'annotated'; annotations = @{ 'kubectl.kubernetes.io/default-container' = 'second' } }
        spec = @{ containers = @(@{ name = 'first'; image = 'nginx' }, @{ name = 'second'; image = 'busybox' }) }
    }
    Wait-TestCondition -Because 'the exec test pods to run' -Condition {
        $pods = Get-KPod -Namespace $Ns -Name duo, solo, annotated -ErrorAction SilentlyContinue
        @($pods | Where-Object Status -eq 'Running').Count -eq 3
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Invoke-KPodCommand' {
    Context 'one pod, like a native command' {
        It 'runs in the named container: HOSTNAME is the pod and a file made in one container is only there' {
            Invoke-KPodCommand -Namespace $Ns -Name duo -Container web -Command sh, -c, 'echo x > only-here'
            $LASTEXITCODE | Should -Be 0

            $web = Invoke-KPodCommand -Namespace $Ns -Name duo -Container web -Command sh, -c, 'echo "host=$HOSTNAME"; pwd; ls'
            $side = Invoke-KPodCommand -Namespace $Ns -Name duo -Container side -Command sh, -c, 'echo "host=$HOSTNAME"; pwd; ls'

            $web | Should -Contain 'host=duo'
            $side | Should -Contain 'host=duo'
            $web[1] | Should -BeLike '*/web'
            $side[1] | Should -BeLike '*/side'
            $web | Should -Contain 'only-here'
            $side | Should -Not -Contain 'only-here'
        }

        It 'writes stdout lines as strings, stderr as error records, and sets $LASTEXITCODE to the remote exit code' {
            $out = Invoke-KPodCommand -Namespace $Ns -Name solo -Command sh, -c, 'echo one; echo two; echo oops >&2; exit 3' -ErrorVariable err -ErrorAction SilentlyContinue

            $out | Should -Be @('one', 'two')
            $out[0] | Should -BeOfType [string]
            $LASTEXITCODE | Should -Be 3
            $err.Count | Should -Be 1
            $err[0].Exception.Message | Should -Be 'oops'
            $err[0].FullyQualifiedErrorId | Should -BeLike 'RemoteStderr,*'
        }

        It 'sets $LASTEXITCODE back to 0 after a successful command' {
            $null = Invoke-KPodCommand -Namespace $Ns -Name solo -Command sh, -c, 'exit 5'
            $LASTEXITCODE | Should -Be 5
            $null = Invoke-KPodCommand -Namespace $Ns -Name solo -Command true
            $LASTEXITCODE | Should -Be 0
        }

        It 'sends pipeline text as stdin and the command sees end of input' {
            $out = 'alpha', 'beta', 'gamma' | Invoke-KPodCommand -Namespace $Ns -Name solo -Command cat
            $out | Should -Be @('alpha', 'beta', 'gamma')

            (Invoke-KPodCommand -Namespace $Ns -Name solo -InputObject 'shout' -Command tr, a-z, A-Z) | Should -Be 'SHOUT'
            (Invoke-KPodCommand -Namespace $Ns -Name solo -Stdin -Command wc, -c).Trim() | Should -Be '0'
        }

        It 'emits output while the command still runs' {
            $arrivals = Invoke-KPodCommand -Namespace $Ns -Name solo -Command sh, -c, 'echo first; sleep 2; echo second' |
                ForEach-Object { [pscustomobject]@{ Line = $_; At = [DateTime]::UtcNow } }

            $arrivals.Line | Should -Be @('first', 'second')
            ($arrivals[1].At - $arrivals[0].At).TotalSeconds | Should -BeGreaterThan 1.2
        }

        It 'uses the default-container annotation when -Container is not given' {
            (Invoke-KPodCommand -Namespace $Ns -Name annotated -Command pwd) | Should -BeLike '*/second'
        }

        It 'takes a pod from the pipeline' {
            (Get-KPod -Namespace $Ns -Name solo | Invoke-KPodCommand -Command sh, -c, 'echo $HOSTNAME') | Should -Be 'solo'
        }
    }

    Context 'kubectl cross-check' {
        It 'kubectl exec sees the file Invoke-KPodCommand wrote, and the same output' {
            $kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
            if (-not $kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
            Invoke-KPodCommand -Namespace $Ns -Name duo -Container side -Command sh, -c, 'echo written-by-podtools > from-podtools'

            $fromKubectl = & $kubectl.Source --kubeconfig $Cluster.Kubeconfig -n $Ns exec duo -c side -- sh -c 'cat from-podtools; echo $HOSTNAME'
            $fromPodTools = Invoke-KPodCommand -Namespace $Ns -Name duo -Container side -Command sh, -c, 'cat from-podtools; echo $HOSTNAME'

            $fromKubectl | Should -Be @('written-by-podtools', 'duo')
            $fromPodTools | Should -Be $fromKubectl
        }
    }

    Context 'errors' {
        It 'refuses a two-container pod without -Container and lists the containers' {
            $out = Invoke-KPodCommand -Namespace $Ns -Name duo -Command true -ErrorVariable err -ErrorAction SilentlyContinue

            $out | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ContainerNameRequired,*'
            $err[0].Exception.Message | Should -BeLike '*choose one of: `[web side`]*'
        }

        It 'reports an unknown container as ContainerNotFound' {
            Invoke-KPodCommand -Namespace $Ns -Name duo -Container nope -Command true -ErrorVariable err -ErrorAction SilentlyContinue

            $err[0].FullyQualifiedErrorId | Should -BeLike 'ContainerNotFound,*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.Message | Should -BeLike '*container nope is not valid for pod duo*'
        }

        It 'refuses a pod that is not running' {
            Invoke-KPodCommand -Namespace $Ns -Name stuck -Command true -ErrorVariable err -ErrorAction SilentlyContinue

            $err[0].FullyQualifiedErrorId | Should -BeLike 'PodNotRunning,*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        }

        It 'reports a missing pod as PodNotFound' {
            Invoke-KPodCommand -Namespace $Ns -Name no-such-pod -Command true -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'PodNotFound,*'
        }

        It 'reports Forbidden for the read-only viewer, with the server''s message' {
            Invoke-KPodCommand -Namespace $Ns -Name solo -Command true -Context viewer -ErrorVariable err -ErrorAction SilentlyContinue

            $err[0].FullyQualifiedErrorId | Should -BeLike 'Forbidden,*'
            $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $err[0].Exception.Message | Should -BeLike '*forbidden*'
        }

        It 'reports a command that cannot start' {
            Invoke-KPodCommand -Namespace $Ns -Name solo -Command no-such-binary-here -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -Not -BeNullOrEmpty
            $LASTEXITCODE | Should -Not -Be 0
        }
    }

    Context 'many pods' {
        BeforeAll {
            $script:FleetNs = New-TestNamespace -Cluster $Cluster -Prefix 'execfleet'
            foreach ($i in 1..50) {
                $null = New-TestPod -Cluster $Cluster -Namespace $FleetNs -Name "fleet-$i" -Labels @{ app = 'fleet' }
            }
            Wait-TestCondition -TimeoutSeconds 120 -Because '50 fleet pods to run' -Condition {
                @(Get-KPod -Namespace $FleetNs -Selector app=fleet | Where-Object Status -eq 'Running').Count -eq 50
            }
        }

        It 'runs in 50 pods from the pipeline and gives one result per pod' {
            $results = Get-KPod -Namespace $FleetNs -Selector app=fleet |
                Invoke-KPodCommand -Command sh, -c, 'echo $HOSTNAME' -ThrottleLimit 16

            $results.Count | Should -Be 50
            $results[0].GetType().FullName | Should -Be 'PodTools.Engine.Model.KExecResult'
            ($results.Pod | Sort-Object) | Should -Be (1..50 | ForEach-Object { "fleet-$_" } | Sort-Object)
            foreach ($result in $results) {
                $result.Output.Trim() | Should -Be $result.Pod
                $result.ExitCode | Should -Be 0
                $result.Container | Should -Be 'main'
                $result.Namespace | Should -Be $FleetNs
            }
        }

        It 'reports every non-zero exit with an error record and still returns its result' {
            $results = Invoke-KPodCommand -Namespace $FleetNs -Selector app=fleet -Command sh, -c, 'case $HOSTNAME in fleet-1|fleet-1?) echo bad >&2; exit 4;; esac; echo ok' -ErrorVariable err -ErrorAction SilentlyContinue

            $results.Count | Should -Be 50
            $failing = @($results | Where-Object ExitCode -ne 0)
            $failing.Count | Should -Be 11
            ($failing.ExitCode | Select-Object -Unique) | Should -Be 4
            ($failing.Error | ForEach-Object Trim | Select-Object -Unique) | Should -Be 'bad'
            $err.Count | Should -Be 11
            ($err | ForEach-Object { $_.FullyQualifiedErrorId -replace ',.*' } | Select-Object -Unique) | Should -Be 'NonZeroExitCode'
            ($err.TargetObject | Sort-Object) | Should -Be ($failing.Pod | Sort-Object)
        }
    }
}
