#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Get-KContext and Use-KContext against a copy of the test cluster's kubeconfig.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster

    function New-KubeconfigCopy {
        # A private copy with an exec user, an extension and a comment that must survive -Persist.
        $path = Join-Path $TestDrive "kubeconfig-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $extra = @'

# kept by Use-KContext -Persist
extensions:
- name: podtools.test/marker
  extension:
    note: keep-me
'@
        $text = (Get-Content -Raw $Cluster.Kubeconfig).TrimEnd() + "`n" + $extra
        $text = $text -replace '(?m)^users:\s*$', @'
users:
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: example-credential-plugin
      args: [get-token, --cluster, podtools-test]
      env:
      - name: PLUGIN_MODE
        value: test
'@
        Set-Content -LiteralPath $path -Value $text -NoNewline
        $path
    }
}

AfterAll {
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Get-KContext' {
    BeforeAll { $script:Config = New-KubeconfigCopy }

    It 'lists every context with cluster, user, namespace and the current one marked' {
        $contexts = Get-KContext -Kubeconfig $Config

        $contexts.Name | Sort-Object | Should -Be @('admin', 'bad-token', 'cert-admin', 'viewer')
        ($contexts | Where-Object IsCurrent).Name | Should -Be 'admin'
        $contexts | ForEach-Object {
            $_.Cluster | Should -Be 'podtools-test'
            $_.User | Should -Be $_.Name
            $_.Namespace | Should -Be 'default'
            $_.Server | Should -Be $Cluster.Server.TrimEnd('/')
        }
    }

    It 'filters by name with wildcards' {
        (Get-KContext -Kubeconfig $Config -Name '*admin').Name | Sort-Object | Should -Be @('admin', 'cert-admin')
    }

    It 'reports an unknown exact name as ContextNotFound' {
        $null = Get-KContext -Kubeconfig $Config -Name 'nope' -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ContextNotFound,*'
    }

    It 'merges the files of $env:KUBECONFIG with the first file winning' {
        $first = Join-Path $TestDrive 'first.yaml'
        @'
apiVersion: v1
kind: Config
current-context: viewer
contexts:
- name: viewer
  context: {cluster: podtools-test, user: viewer, namespace: from-first}
'@ | Set-Content $first
        $saved = $env:KUBECONFIG
        try {
            $env:KUBECONFIG = $first + [IO.Path]::PathSeparator + $Config
            $contexts = Get-KContext
        }
        finally { $env:KUBECONFIG = $saved }

        ($contexts | Where-Object IsCurrent).Name | Should -Be 'viewer'
        ($contexts | Where-Object Name -eq 'viewer').Namespace | Should -Be 'from-first'
        $contexts.Name | Should -Contain 'cert-admin'
    }

    It 'completes -Context names from the kubeconfig' {
        $line = "Get-KPod -Kubeconfig '$Config' -Context vi"
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length

        $completion.CompletionMatches.CompletionText | Should -Be @('viewer')
    }
}

Describe 'Use-KContext' {
    It 'makes a context current for the session only' {
        $config = New-KubeconfigCopy
        $before = Get-FileHash $config

        Use-KContext -Kubeconfig $config -Name viewer

        (Get-KContext -Kubeconfig $config -Current).Name | Should -Be 'viewer'
        (Get-FileHash $config).Hash | Should -Be $before.Hash
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests
        $null = Get-KPod -Kubeconfig $config -Namespace kube-system
        (Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
            Where-Object path -eq '/api/v1/namespaces/kube-system/pods' | Select-Object -Last 1).user | Should -Be 'viewer'
    }

    It 'writes only current-context to the file with -Persist, keeping exec blocks, extensions and comments' {
        $config = New-KubeconfigCopy
        $before = Get-Content $config

        Use-KContext -Kubeconfig $config -Name cert-admin -Persist

        $after = Get-Content $config
        $after.Count | Should -Be $before.Count
        $changed = for ($i = 0; $i -lt $before.Count; $i++) { if ($before[$i] -ne $after[$i]) { $after[$i] } }
        $changed | Should -Be 'current-context: cert-admin'
        $after | Should -Contain '      command: example-credential-plugin'
        $after | Should -Contain '    note: keep-me'
        (Get-KContext -Kubeconfig $config -Current).Name | Should -Be 'cert-admin'
    }

    It 'refuses an unknown context with ContextNotFound and changes nothing' {
        $config = New-KubeconfigCopy
        $before = Get-FileHash $config

        $null = Use-KContext -Kubeconfig $config -Name nope -Persist -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ContextNotFound,*'
        (Get-FileHash $config).Hash | Should -Be $before.Hash
    }

    It 'supports -WhatIf' {
        $config = New-KubeconfigCopy
        $before = Get-FileHash $config

        Use-KContext -Kubeconfig $config -Name viewer -Persist -WhatIf

        (Get-FileHash $config).Hash | Should -Be $before.Hash
    }
}
