#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Set-KPodLabel against the test cluster: add, overwrite, remove, selectors, -WhatIf, preconditions, kubectl agreement.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1

    function New-LabelNamespace {
        # A fresh namespace with pods a..e carrying set-based-selector-friendly labels.
        $ns = New-TestNamespace -Cluster $Cluster -Prefix 'setlabel'
        $null = New-TestPod -Cluster $Cluster -Namespace $ns -Name 'a' -Labels @{ app = 'web'; env = 'dev' }
        $null = New-TestPod -Cluster $Cluster -Namespace $ns -Name 'b' -Labels @{ app = 'web'; env = 'prod' }
        $null = New-TestPod -Cluster $Cluster -Namespace $ns -Name 'c' -Labels @{ app = 'db'; env = 'test' }
        $null = New-TestPod -Cluster $Cluster -Namespace $ns -Name 'd' -Labels @{ app = 'db' }
        $null = New-TestPod -Cluster $Cluster -Namespace $ns -Name 'e' -Labels @{ tier = 'cache' }
        $ns
    }

    function Wait-Settled([string] $Namespace, [string] $Name) {
        # The cluster's kubelet moves a new pod through its states, each a new resourceVersion: wait until it is done.
        Wait-TestCondition -Because "pod $Name to be Running and ready" -Condition {
            $pod = Get-KPod -Namespace $Namespace -Name $Name -ErrorAction SilentlyContinue
            $pod -and $pod.Status -eq 'Running' -and $pod.Ready -eq '1/1'
        }
    }

    function Get-HostText([scriptblock] $Script) {
        # -WhatIf writes straight to the host, so a transcript is the way to read it.
        $path = Join-Path ([IO.Path]::GetTempPath()) "whatif-$([guid]::NewGuid().ToString('N')).txt"
        $null = Start-Transcript -Path $path
        try { & $Script | Out-Host } finally { $null = Stop-Transcript }
        try { Get-Content -Raw $path } finally { Remove-Item $path -ErrorAction SilentlyContinue }
    }

    function Get-Writes([string] $Namespace) {
        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
            Where-Object { $_.method -in 'PATCH', 'PUT', 'POST', 'DELETE' -and $_.path -like "*/namespaces/$Namespace/*" })
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Set-KPodLabel' {
    BeforeEach {
        $script:Ns = New-LabelNamespace
    }

    Context 'changes' {
        It 'adds a label to pods from the pipeline and writes the updated pods with -PassThru' {
            $out = Get-KPod -Namespace $Ns -Selector app=web | Set-KPodLabel @{ tier = 'frontend' } -PassThru

            $out.Count | Should -Be 2
            $out[0].GetType().FullName | Should -Be 'PodTools.Engine.Model.KPod'
            ($out | ForEach-Object { $_.Labels['tier'] }) | Should -Be @('frontend', 'frontend')
            (Get-KPod -Namespace $Ns -Selector tier=frontend).Name | Sort-Object | Should -Be @('a', 'b')
            (Get-KPod -Namespace $Ns -Name a).Labels['env'] | Should -Be 'dev'
        }

        It 'refuses to change an existing label without -Overwrite, then changes it with -Overwrite' {
            Set-KPodLabel -Namespace $Ns -Name a, b @{ env = 'prod' } -ErrorVariable refused -ErrorAction SilentlyContinue

            $refused.Count | Should -Be 1
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'LabelExists,*'
            $refused[0].CategoryInfo.Category | Should -Be 'ResourceExists'
            $refused[0].Exception.Message | Should -BeLike "*'env' already has a value (dev), and --overwrite is false"
            (Get-KPod -Namespace $Ns -Name a).Labels['env'] | Should -Be 'dev'

            Set-KPodLabel -Namespace $Ns -Name a @{ env = 'prod' } -Overwrite -ErrorAction Stop

            (Get-KPod -Namespace $Ns -Name a).Labels['env'] | Should -Be 'prod'
        }

        It 'refuses a pipeline pod whose label differs without sending any request' {
            $pod = Get-KPod -Namespace $Ns -Name a
            $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $pod | Set-KPodLabel @{ env = 'prod' } -ErrorVariable refused -ErrorAction SilentlyContinue

            $refused.Count | Should -Be 1
            $refused[0].TargetObject.Name | Should -Be 'a'
            Get-Writes $Ns | Should -BeNullOrEmpty
        }

        It 'removes a label given a $null value' {
            Set-KPodLabel -Namespace $Ns -Name a @{ env = $null } -ErrorAction Stop

            (Get-KPod -Namespace $Ns -Name a).Labels.ContainsKey('env') | Should -BeFalse
            (Get-KPod -Namespace $Ns -Name a).Labels['app'] | Should -Be 'web'
        }

        It 'removes labels listed in -Remove, wildcard names choosing the pods' {
            Set-KPodLabel -Namespace $Ns -Name '[ab]' -Remove env -ErrorAction Stop

            (Get-KPod -Namespace $Ns -Name a, b | Where-Object { $_.Labels.ContainsKey('env') }) | Should -BeNullOrEmpty
            (Get-KPod -Namespace $Ns -Name c).Labels['env'] | Should -Be 'test'
        }

        It 'sends no patch for a pod that already has the requested labels' {
            $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $out = Get-KPod -Namespace $Ns -Name a | Set-KPodLabel @{ app = 'web'; gone = $null } -PassThru

            $out.Name | Should -Be 'a'
            Get-Writes $Ns | Should -BeNullOrEmpty
        }

        It 'labels every pod of the namespace with -All' {
            Set-KPodLabel -Namespace $Ns -All @{ batch = '7' } -ErrorAction Stop

            (Get-KPod -Namespace $Ns -Selector batch=7).Count | Should -Be 5
        }

        It 'selects with -MatchLabel (equality hashtable) combined with -Selector' {
            Set-KPodLabel -Namespace $Ns -MatchLabel @{ app = 'db' } -Selector 'env' @{ picked = 'yes' } -ErrorAction Stop

            (Get-KPod -Namespace $Ns -Selector picked=yes).Name | Should -Be @('c')
        }

        It 'binds Name and Namespace by property name from plain objects' {
            [pscustomobject]@{ Name = 'd'; Namespace = $Ns } | Set-KPodLabel @{ via = 'property' } -ErrorAction Stop

            (Get-KPod -Namespace $Ns -Name d).Labels['via'] | Should -Be 'property'
        }
    }

    Context 'errors' {
        It 'writes one PodNotFound for a missing pod and labels the others' {
            Set-KPodLabel -Namespace $Ns -Name a, 'no-such-pod', b @{ seen = 'yes' } -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'PodNotFound,*'
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            (Get-KPod -Namespace $Ns -Selector seen=yes).Name | Sort-Object | Should -Be @('a', 'b')
        }

        It 'rejects an invalid key before any request' -TestCases @(
            @{ Labels = @{ '-bad' = 'x' }; Id = 'InvalidLabelKey' }
            @{ Labels = @{ 'ok' = 'not ok!' }; Id = 'InvalidLabelValue' }
            @{ Labels = @{ ('a' * 64) = 'x' }; Id = 'InvalidLabelKey' }
        ) {
            $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            { Set-KPodLabel -Namespace $Ns -Name a $Labels } | Should -Throw -ErrorId "$Id,*"

            @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object { $_.path -like "*$Ns*" }) | Should -BeNullOrEmpty
        }

        It 'rejects an invalid selector before any request, naming the position' {
            $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $thrown = { Set-KPodLabel -Namespace $Ns -Selector 'app in (web' @{ x = 'y' } } | Should -Throw -ErrorId 'InvalidSelector,*' -PassThru

            $thrown.ErrorDetails.Message | Should -BeLike '*app in (web*^*'
            @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object { $_.path -like "*$Ns*" }) | Should -BeNullOrEmpty
        }

        It 'refuses to both set and remove one key' {
            { Set-KPodLabel -Namespace $Ns -Name a @{ env = 'x' } -Remove env } | Should -Throw -ErrorId 'InvalidLabelChange,*'
        }

        It 'needs something to change' {
            { Set-KPodLabel -Namespace $Ns -Name a } | Should -Throw -ErrorId 'NothingToChange,*'
        }

        It 'reports Conflict with -IfUnchanged when the pod changed after it was read' {
            Wait-Settled $Ns b
            $stale = Get-KPod -Namespace $Ns -Name b
            Set-KPodLabel -Namespace $Ns -Name b @{ touched = 'meanwhile' } -ErrorAction Stop

            $stale | Set-KPodLabel @{ release = 'r1' } -IfUnchanged -ErrorVariable conflicts -ErrorAction SilentlyContinue

            $conflicts.Count | Should -Be 1
            $conflicts[0].FullyQualifiedErrorId | Should -BeLike 'Conflict,*'
            (Get-KPod -Namespace $Ns -Name b).Labels.ContainsKey('release') | Should -BeFalse

            Get-KPod -Namespace $Ns -Name b | Set-KPodLabel @{ release = 'r1' } -IfUnchanged -ErrorAction Stop
            (Get-KPod -Namespace $Ns -Name b).Labels['release'] | Should -Be 'r1'
        }

        It 'sends -ResourceVersion as a precondition for one named pod' {
            Wait-Settled $Ns c
            $version = (Get-KPod -Namespace $Ns -Name c).Object.Metadata.ResourceVersion
            Set-KPodLabel -Namespace $Ns -Name c @{ first = '1' } -ResourceVersion $version -ErrorAction Stop

            Set-KPodLabel -Namespace $Ns -Name c @{ second = '2' } -ResourceVersion $version -ErrorVariable conflicts -ErrorAction SilentlyContinue

            $conflicts[0].FullyQualifiedErrorId | Should -BeLike 'Conflict,*'
            (Get-KPod -Namespace $Ns -Name c).Labels['first'] | Should -Be '1'
        }
    }

    Context '-WhatIf' {
        It 'prints per pod the change it would make and sends no write' {
            $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $text = Get-HostText { Set-KPodLabel -Namespace $Ns -Name a, b @{ tier = 'frontend'; env = 'prod' } -Overwrite -WhatIf }

            $text | Should -BeLike "*pod 'a' in namespace '$Ns'*env: dev -> prod, tier: (none) -> frontend*"
            $text | Should -BeLike "*pod 'b' in namespace '$Ns'*tier: (none) -> frontend*"
            Get-Writes $Ns | Should -BeNullOrEmpty
            (Get-KPod -Namespace $Ns -Name a).Labels['env'] | Should -Be 'dev'
        }

        It 'shows removals for pipeline pods and still sends no write' {
            $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $text = Get-HostText { Get-KPod -Namespace $Ns -Selector app=db | Set-KPodLabel -Remove app -WhatIf }

            $text | Should -BeLike "*pod 'c'*app: db -> (removed)*"
            $text | Should -BeLike "*pod 'd'*app: db -> (removed)*"
            Get-Writes $Ns | Should -BeNullOrEmpty
        }
    }

    Context 'set-based selectors agree with kubectl' {
        It 'selects with <Selector> exactly the pods kubectl selects' -TestCases @(
            @{ Selector = 'env in (dev,prod)' }
            @{ Selector = 'env notin (dev)' }
            @{ Selector = '!env' }
            @{ Selector = 'env' }
            @{ Selector = 'app=db,!env' }
        ) {
            Set-KPodLabel -Namespace $Ns -Selector $Selector @{ chosen = 'yes' } -ErrorAction Stop
            $ours = @((Get-KPod -Namespace $Ns -Selector chosen=yes).Name | Sort-Object)

            $ours.Count | Should -BeGreaterThan 0
            if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
            $theirs = @(& $Kubectl --kubeconfig $Cluster.Kubeconfig get pods -n $Ns -l $Selector -o name | ForEach-Object { $_ -replace '^pod/' } | Sort-Object)
            $ours | Should -Be $theirs
        }

        It 'agrees with kubectl get pods --show-labels after add, overwrite and remove' {
            if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
            Set-KPodLabel -Namespace $Ns -Name a @{ tier = 'frontend'; env = 'prod' } -Overwrite -ErrorAction Stop
            Set-KPodLabel -Namespace $Ns -Name a -Remove app -ErrorAction Stop

            $line = & $Kubectl --kubeconfig $Cluster.Kubeconfig get pods -n $Ns a --show-labels --no-headers
            ($line -split '\s+')[-1] | Should -Be 'env=prod,tier=frontend'
        }

        It 'reads labels kubectl wrote, and refuses to overwrite them as kubectl does' {
            if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
            & $Kubectl --kubeconfig $Cluster.Kubeconfig label pods -n $Ns e owner=kubectl | Out-Null

            Get-KPod -Namespace $Ns -Name e | Set-KPodLabel @{ owner = 'podtools' } -ErrorVariable refused -ErrorAction SilentlyContinue
            $kubectlError = & $Kubectl --kubeconfig $Cluster.Kubeconfig label pods -n $Ns e owner=other 2>&1 | Out-String

            $refused[0].Exception.Message | Should -BeLike "*'owner' already has a value (kubectl), and --overwrite is false*"
            $kubectlError | Should -BeLike "*'owner' already has a value (kubectl), and --overwrite is false*"
        }
    }
}
