#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Get-KPod end to end against the test cluster: output objects, views, paging, names, contexts, auth and errors.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'getkpod'
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'multi' -Labels @{ app = 'multi' } -Containers @(
        @{ name = 'web'; image = 'nginx:1.27' }
        @{ name = 'sidecar'; image = 'busybox' }
    )
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'single-1' -Labels @{ app = 'web'; tier = 'fe' }
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'single-2' -Labels @{ app = 'db' }
    Wait-TestCondition -Because 'the multi-container pod to be Running and 2/2' -Condition {
        $pod = Get-KPod -Namespace $Ns -Name multi -ErrorAction SilentlyContinue
        $pod -and $pod.Status -eq 'Running' -and $pod.Ready -eq '2/2'
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Get-KPod' {
    Context 'output' {
        It 'shows READY 2/2, Running and both containers with their images for a two-container pod' {
            $pod = Get-KPod -Namespace $Ns -Name multi

            $pod.GetType().FullName | Should -Be 'PodTools.Engine.Model.KPod'
            $pod.Ready | Should -Be '2/2'
            $pod.Status | Should -Be 'Running'
            $pod.Restarts | Should -Be 0
            $pod.Namespace | Should -Be $Ns
            $pod.Containers.Name | Should -Be @('web', 'sidecar')
            $pod.Containers.Image | Should -Be @('nginx:1.27', 'busybox')
            $pod.Labels['app'] | Should -Be 'multi'
            $pod.Node | Should -Not -BeNullOrEmpty
            $pod.Object.Metadata.Name | Should -Be 'multi'
            $pod.Object.Kind | Should -Be 'Pod'
        }

        It 'lists every pod of the namespace in the kubectl table columns' {
            $pods = Get-KPod -Namespace $Ns

            ($pods.Name | Sort-Object) | Should -Be @('multi', 'single-1', 'single-2')
            Get-TableHeader $pods | Should -Be 'NAME READY STATUS RESTARTS AGE'
        }

        It 'has a Wide view with IP, NODE, NOMINATED NODE and READINESS GATES' {
            Get-TableHeader (Get-KPod -Namespace $Ns -Name multi) -View Wide | Should -Be 'NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES'
        }
    }

    Context 'names' {
        It 'matches wildcards client-side' {
            (Get-KPod -Namespace $Ns -Name 'single-*').Name | Sort-Object | Should -Be @('single-1', 'single-2')
            (Get-KPod -Namespace $Ns -Name 'SINGLE-?').Count | Should -Be 2
        }

        It 'writes a non-terminating PodNotFound for a missing pod and still emits the others' {
            $pods = Get-KPod -Namespace $Ns -Name 'single-1', 'no-such-pod', 'single-2' -ErrorVariable errors -ErrorAction SilentlyContinue

            $pods.Name | Should -Be @('single-1', 'single-2')
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'PodNotFound,*'
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errors[0].TargetObject | Should -Be 'no-such-pod'
            $errors[0].Exception.Message | Should -BeLike '*no-such-pod*not found*'
        }

        It 'takes names from the pipeline by value' {
            ('single-2', 'multi' | Get-KPod -Namespace $Ns).Name | Should -Be @('single-2', 'multi')
        }

        It 'takes Name and Namespace from the pipeline by property name' {
            $again = Get-KPod -Namespace $Ns -Name 'single-*' | Get-KPod

            $again.Name | Sort-Object | Should -Be @('single-1', 'single-2')
            $again.Namespace | Select-Object -Unique | Should -Be $Ns
        }
    }

    Context 'selectors' {
        It 'passes -Selector to the server' {
            (Get-KPod -Namespace $Ns -Selector 'app in (web,db)').Name | Sort-Object | Should -Be @('single-1', 'single-2')
            (Get-KPod -Namespace $Ns -Selector 'app=web,tier').Name | Should -Be 'single-1'
        }

        It 'passes -FieldSelector to the server' {
            (Get-KPod -Namespace $Ns -FieldSelector 'metadata.name=single-2').Name | Should -Be 'single-2'
        }

        It 'refuses a malformed selector before sending any request' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests
            { Get-KPod -Namespace $Ns -Selector 'app in (web' -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidSelector,PodTools.Commands.GetKPodCommand'

            @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.path -like "*/namespaces/$Ns/*" }).Count | Should -Be 0
        }
    }

    Context 'all namespaces' {
        BeforeAll {
            $script:OtherNs = New-TestNamespace -Cluster $Cluster -Prefix 'getkpod-other'
            $null = New-TestPod -Cluster $Cluster -Namespace $OtherNs -Name 'elsewhere'
        }

        It 'lists pods of every namespace with -AllNamespaces' {
            $pods = Get-KPod -AllNamespaces | Where-Object Namespace -in $Ns, $OtherNs

            ($pods | ForEach-Object { "$($_.Namespace)/$($_.Name)" } | Sort-Object) |
                Should -Be (@("$Ns/multi", "$Ns/single-1", "$Ns/single-2", "$OtherNs/elsewhere") | Sort-Object)
        }

        It 'puts NAMESPACE first in the table with -AllNamespaces, in the default and the Wide view' {
            $pods = Get-KPod -AllNamespaces -Name 'elsewhere'

            Get-TableHeader $pods | Should -Be 'NAMESPACE NAME READY STATUS RESTARTS AGE'
            Get-TableHeader $pods -View Wide | Should -Be 'NAMESPACE NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES'
        }

        It 'reports an exact name that exists in no namespace as PodNotFound' {
            $null = Get-KPod -AllNamespaces -Name 'elsewhere', 'nowhere-at-all' -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'PodNotFound,*'
        }
    }

    Context 'paging' {
        BeforeAll {
            $script:PagingNs = New-TestNamespace -Cluster $Cluster -Prefix 'getkpod-paging'
            $seeded = Invoke-TestClusterControl -Cluster $Cluster -Method POST -Endpoint seed -Body @{
                namespace = $PagingNs; count = 1200; namePrefix = 'bulk-'; labels = @{ app = 'bulk' }; image = 'nginx'
            }
            $seeded.created | Should -Be 1200
        }

        It 'lists more than one page with limit and continue and returns every pod once' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $pods = Get-KPod -Namespace $PagingNs -PageSize 500

            $pods.Count | Should -Be 1200
            ($pods.Name | Select-Object -Unique).Count | Should -Be 1200
            $lists = @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.method -eq 'GET' -and $_.path -eq "/api/v1/namespaces/$PagingNs/pods" })
            $lists.Count | Should -Be 3
            $lists | ForEach-Object { $_.query | Should -Match 'limit=500' }
            @($lists | Where-Object { $_.query -match 'continue=' }).Count | Should -Be 2
        }

        It 'asks for a short first page by default, then pages of 500' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            (Get-KPod -Namespace $PagingNs -Selector 'app=bulk').Count | Should -Be 1200

            $lists = @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.path -eq "/api/v1/namespaces/$PagingNs/pods" })
            # 50 + 500 + 500 + 150: the first pods show after one short answer.
            $lists.query | ForEach-Object { [regex]::Match($_, 'limit=(\d+)').Groups[1].Value } | Should -Be @('50', '500', '500', '500')
            $lists[0].query | Should -Not -Match 'continue='
        }

        It 'writes the first page before asking for the next one' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $first = Get-KPod -Namespace $PagingNs -PageSize 100 | Select-Object -First 1

            $first | Should -Not -BeNullOrEmpty
            # Select-Object stopped the pipeline after the first object; Get-KPod reads at most two pages ahead of
            # what it has written, so only a few of the 12 pages were ever requested.
            @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.path -eq "/api/v1/namespaces/$PagingNs/pods" }).Count | Should -BeLessOrEqual 4
        }
    }

    Context 'contexts and authentication' {
        It 'authenticates with the bearer token of the current context' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            Get-KPod -Namespace $Ns -Name single-1 | Should -Not -BeNullOrEmpty

            $request = Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.path -eq "/api/v1/namespaces/$Ns/pods/single-1" } | Select-Object -Last 1
            $request.user | Should -Be 'admin'
            $request.status | Should -Be 200
        }

        It 'switches user with -Context: the read-only viewer can list pods' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            (Get-KPod -Namespace $Ns -Context viewer).Count | Should -Be 3

            $users = Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.path -eq "/api/v1/namespaces/$Ns/pods" } | ForEach-Object user
            $users | Should -Contain 'viewer'
        }

        It 'authenticates with a client certificate and key from the kubeconfig' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            (Get-KPod -Namespace $Ns -Context cert-admin -Name multi).Ready | Should -Be '2/2'

            $request = Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.path -eq "/api/v1/namespaces/$Ns/pods/multi" } | Select-Object -Last 1
            $request.user | Should -Be 'cert-admin'
        }

        It 'authenticates with a token read from tokenFile, relative to the kubeconfig' {
            $dir = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'tokenfile')
            Set-Content -LiteralPath (Join-Path $dir 'admin.token') -Value (Get-TestKubeconfigSecret -Kubeconfig $Cluster.Kubeconfig -User admin)
            $config = Join-Path $dir 'config'
            (Get-Content -Raw $Cluster.Kubeconfig) -replace '(?m)^(\s+)token: \S+\s*$(?=[\s\S]*?^- name: viewer)', '$1tokenFile: admin.token' |
                Set-Content $config
            (Get-Content $config) -match 'tokenFile: admin.token' | Should -Not -BeNullOrEmpty

            (Get-KPod -Kubeconfig $config -Namespace $Ns -Name single-1).Name | Should -Be 'single-1'
        }

        It 'runs an exec credential plugin with its args and env and shows its stderr as a warning' -Skip:$IsWindows {
            $dir = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'exec')
            $plugin = Join-Path $dir 'token-plugin.sh'
            $token = Get-TestKubeconfigSecret -Kubeconfig $Cluster.Kubeconfig -User admin
            Set-Content -LiteralPath $plugin -Value @"
#!/bin/sh
echo "issuing a token for `$1 (`$PLUGIN_MODE)" >&2
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"$token"}}'
"@
            chmod +x $plugin
            $config = Join-Path $dir 'config'
            $execUser = @"
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./token-plugin.sh
      args: [podtools-test]
      env:
      - name: PLUGIN_MODE
        value: pester
- name: admin
"@
            (Get-Content -Raw $Cluster.Kubeconfig) -replace '(?m)^- name: admin\s*$(?=\s+user:)', $execUser.TrimEnd() `
                -replace '(?m)^(\s+)user: admin\s*$', '$1user: exec-user' | Set-Content $config

            $pods = Get-KPod -Kubeconfig $config -Context admin -Namespace $Ns -Name single-1 -WarningVariable warnings -WarningAction SilentlyContinue

            $pods.Name | Should -Be 'single-1'
            $warnings.Message | Should -Contain 'token-plugin.sh: issuing a token for podtools-test (pester)'
        }

        It 'reports a rejected token as Unauthorized (AuthenticationError)' {
            $null = Get-KPod -Namespace $Ns -Context bad-token -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'Unauthorized,*'
            $errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $errors[0].Exception.Message | Should -BeLike "*$($Cluster.Server)*bad-token*"
        }

        It 'ends the command with ContextNotFound for an unknown context' {
            { Get-KPod -Context no-such-context -ErrorAction Stop } |
                Should -Throw -ErrorId 'ContextNotFound,PodTools.Commands.GetKPodCommand'
        }

        It 'reports an unreachable server as ClusterUnreachable naming the URL and context' {
            $port = Get-UnusedTcpPort
            $config = Copy-TestKubeconfig -Cluster $Cluster -Destination (Join-Path $TestDrive 'unreachable.yaml') -Server "https://127.0.0.1:$port"

            $null = Get-KPod -Kubeconfig $config -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'ClusterUnreachable,*'
            $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $errors[0].Exception.Message | Should -BeLike "*https://127.0.0.1:$port*'admin'*"
        }
    }

    Context 'TLS' {
        BeforeAll {
            # A CA that did not sign the test cluster's serving certificate.
            $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
            $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=some-other-ca', $key,
                [System.Security.Cryptography.HashAlgorithmName]::SHA256)
            $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(1))
            $script:OtherCaData = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($certificate.ExportCertificatePem()))
        }

        It 'verifies the server against the kubeconfig CA and refuses another CA' {
            $config = Copy-TestKubeconfig -Cluster $Cluster -Destination (Join-Path $TestDrive 'other-ca.yaml')
            (Get-Content -Raw $config) -replace '(?m)^(\s+certificate-authority-data:).*$', "`$1 $OtherCaData" | Set-Content $config

            $null = Get-KPod -Kubeconfig $config -Namespace $Ns -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'ClusterUnreachable,*'
            $errors[0].Exception.Message | Should -BeLike '*TLS*'
        }

        It 'skips verification only when the kubeconfig sets insecure-skip-tls-verify' {
            $config = Copy-TestKubeconfig -Cluster $Cluster -Destination (Join-Path $TestDrive 'insecure.yaml')
            (Get-Content -Raw $config) -replace '(?m)^(\s+)certificate-authority-data:.*$', '$1insecure-skip-tls-verify: true' | Set-Content $config

            (Get-KPod -Kubeconfig $config -Namespace $Ns -Name single-1).Name | Should -Be 'single-1'
        }
    }

    Context 'cancellation' {
        It 'stops within a second while a request is in flight' {
            # A server that accepts connections and never answers keeps the request in flight.
            $listener = [System.Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $listener.Start()
            $accepted = [System.Collections.Generic.List[object]]::new()
            try {
                $port = $listener.LocalEndpoint.Port
                $config = Copy-TestKubeconfig -Cluster $Cluster -Destination (Join-Path $TestDrive 'silent.yaml') -Server "https://127.0.0.1:$port"
                $accept = $listener.AcceptTcpClientAsync()

                $ps = [powershell]::Create()
                $null = $ps.AddCommand('Import-Module').AddArgument((Get-TestModulePath)).AddStatement()
                $null = $ps.AddCommand('Get-KPod').AddParameter('Kubeconfig', $config)
                $async = $ps.BeginInvoke()
                $accept.Wait([TimeSpan]::FromSeconds(20)) | Should -BeTrue
                $accepted.Add($accept.Result)
                Start-Sleep -Milliseconds 300
                $async.IsCompleted | Should -BeFalse

                $watch = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $watch.Stop()

                $watch.ElapsedMilliseconds | Should -BeLessThan 1000
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                $ps.Dispose()
            }
            finally {
                $accepted | ForEach-Object { $_.Dispose() }
                $listener.Stop()
            }
        }
    }

    Context 'secrets' {
        It 'never shows a token in verbose, debug, warning or error output' {
            $tokens = 'admin', 'viewer', 'bad-token' | ForEach-Object { Get-TestKubeconfigSecret -Kubeconfig $Cluster.Kubeconfig -User $_ }
            $tokens | ForEach-Object { $_.Length | Should -BeGreaterThan 8 }

            $output = & {
                Get-KPod -Namespace $Ns -Name single-1 -Verbose -Debug
                Get-KPod -Namespace $Ns -Context viewer -Name nope -Verbose -Debug
                Get-KPod -Namespace $Ns -Context bad-token -Verbose -Debug
            } *>&1
            $text = ($output | ForEach-Object {
                    if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.ToString(); $_.Exception.ToString() } else { $_ | Out-String }
                }) -join "`n"

            $text | Should -Match 'Unauthorized|credentials'
            foreach ($token in $tokens) { $text.Contains($token) | Should -BeFalse }
        }
    }
}
