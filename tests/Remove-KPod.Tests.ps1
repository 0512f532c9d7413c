#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Remove-KPod against the test cluster: by name, wildcard, pipeline, selector, -All; ShouldProcess; force; wait; errors.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig

    function script:New-Pods {
        param([string] $Namespace, [string[]] $Name, [hashtable] $Labels = @{})
        foreach ($n in $Name) { $null = New-TestPod -Cluster $Cluster -Namespace $Namespace -Name $n -Labels $Labels }
    }

    function script:Get-Deletes {
        param([string] $Namespace)
        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
            Where-Object { $_.method -eq 'DELETE' -and $_.path -like "*/namespaces/$Namespace/pods*" })
    }

    function script:Get-PodNames {
        param([string] $Namespace)
        @(Invoke-TestClusterApi -Cluster $Cluster -Method GET -Path "/api/v1/namespaces/$Namespace/pods").items.metadata.name | Sort-Object
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Remove-KPod' {
    BeforeEach {
        $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'rmkpod'
    }

    Context 'choosing pods' {
        It 'deletes one pod by name and waits until it is gone with -Wait' {
            New-Pods $Ns 'web-1', 'web-2'

            Remove-KPod -Namespace $Ns -Name web-1 -GracePeriod 3 -Wait -Timeout 60

            Get-PodNames $Ns | Should -Be @('web-2')
        }

        It 'deletes the pods a wildcard matches and leaves the others' {
            New-Pods $Ns 'web-1', 'web-2', 'db-1'

            Remove-KPod -Namespace $Ns -Name 'web-*' -Force -Confirm:$false -WarningAction SilentlyContinue

            Get-PodNames $Ns | Should -Be @('db-1')
        }

        It 'deletes the pods Get-KPod pipes in, binding Name and Namespace by property name' {
            New-Pods $Ns 'a', 'b', 'keep'

            Get-KPod -Namespace $Ns -Name a, b | Remove-KPod -Wait -Timeout 60

            Get-PodNames $Ns | Should -Be @('keep')
        }

        It 'deletes by -Selector with set-based requirements and by -Label, and nothing else' {
            New-Pods $Ns 'fe-1', 'fe-2' -Labels @{ app = 'web'; tier = 'fe' }
            New-Pods $Ns 'be-1' -Labels @{ app = 'web'; tier = 'be' }
            New-Pods $Ns 'other' -Labels @{ app = 'db' }

            Remove-KPod -Namespace $Ns -Selector 'app=web,tier notin (be)' -Force -Confirm:$false -WarningAction SilentlyContinue
            Get-PodNames $Ns | Should -Be @('be-1', 'other')

            Remove-KPod -Namespace $Ns -Label @{ app = 'db' } -Force -Confirm:$false -WarningAction SilentlyContinue
            Get-PodNames $Ns | Should -Be @('be-1')
        }

        It 'deletes every pod of the namespace with -All and writes them with -PassThru' {
            New-Pods $Ns 'one', 'two', 'three'

            $deleted = Remove-KPod -Namespace $Ns -All -Force -PassThru -Confirm:$false -WarningAction SilentlyContinue

            $deleted.Name | Sort-Object | Should -Be @('one', 'three', 'two')
            $deleted[0].GetType().FullName | Should -Be 'PodTools.Engine.Model.KPod'
            Get-PodNames $Ns | Should -BeNullOrEmpty
        }
    }

    Context 'confirmation' {
        It 'sends no DELETE with -WhatIf, says how many pods a selector would delete and names each pod' {
            New-Pods $Ns 'w-1', 'w-2' -Labels @{ app = 'w' }
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests
            # "What if:" text goes to the host, so run in a child session and read its output.
            $script = @"
Import-Module '$(Get-TestModulePath)'
Remove-KPod -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' -Selector 'app=w' -WhatIf
Remove-KPod -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' -Name w-1 -WhatIf
"@
            $out = (Invoke-ChildPwsh -Script $script) -join "`n"

            $out | Should -Match "What if: Deleting 2 pods matching 'app=w' in namespace '$Ns'"
            $out | Should -Match ([regex]::Escape("on target `"pod 'w-1' in namespace '$Ns'`""))
            Get-Deletes $Ns | Should -BeNullOrEmpty
            Get-PodNames $Ns | Should -Be @('w-1', 'w-2')
        }

        It 'asks before deleting a selected set even at the default $ConfirmPreference (a non-interactive host refuses)' {
            New-Pods $Ns 'x-1' -Labels @{ app = 'x' }
            $script = @"
Import-Module '$(Get-TestModulePath)'
try { Remove-KPod -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' -Selector 'app=x' -ErrorAction Stop; 'deleted' }
catch { 'refused: ' + `$_.FullyQualifiedErrorId }
"@
            $result = Invoke-ChildPwsh -Script $script

            ($result -join "`n") | Should -Match 'refused'
            Get-PodNames $Ns | Should -Be @('x-1')
        }
    }

    Context 'how pods are deleted' {
        It 'sends gracePeriodSeconds=0 with -Force and warns like kubectl' {
            New-Pods $Ns 'now'
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            Remove-KPod -Namespace $Ns -Name now -Force -WarningVariable warnings -WarningAction SilentlyContinue

            (Get-Deletes $Ns).query | Should -Match 'gracePeriodSeconds=0'
            $warnings | Should -Match 'Immediate deletion'
            Get-PodNames $Ns | Should -BeNullOrEmpty
        }

        It 'sends -GracePeriod, and 1 for -GracePeriod 0 without -Force' {
            New-Pods $Ns 'g-5', 'g-0'
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            Remove-KPod -Namespace $Ns -Name g-5 -GracePeriod 5
            Remove-KPod -Namespace $Ns -Name g-0 -GracePeriod 0

            $deletes = Get-Deletes $Ns
            ($deletes | Where-Object path -like '*/g-5').query | Should -Match 'gracePeriodSeconds=5'
            ($deletes | Where-Object path -like '*/g-0').query | Should -Match 'gracePeriodSeconds=1'
        }

        It 'refuses -Force with a positive -GracePeriod before any request' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            { Remove-KPod -Namespace $Ns -Name any -Force -GracePeriod 10 -WarningAction SilentlyContinue } |
                Should -Throw -ErrorId 'InvalidGracePeriod,PodTools.Commands.RemoveKPodCommand'
            Get-Deletes $Ns | Should -BeNullOrEmpty
        }

        It 'runs deletes concurrently and reports progress and a verbose summary' {
            New-Pods $Ns (1..12 | ForEach-Object { "bulk-$_" }) -Labels @{ app = 'bulk' }

            $verbose = Remove-KPod -Namespace $Ns -Label @{ app = 'bulk' } -Force -Confirm:$false -ThrottleLimit 4 -Verbose -WarningAction SilentlyContinue 4>&1

            ($verbose | Select-Object -Last 1).Message | Should -Match '^Remove-KPod: 12 succeeded, 0 failed'
            Get-PodNames $Ns | Should -BeNullOrEmpty
        }
    }

    Context 'errors' {
        It 'writes one PodNotFound for a missing pod while the others are deleted' {
            New-Pods $Ns 'p-1', 'p-2'

            Remove-KPod -Namespace $Ns -Name p-1, ghost, p-2 -Force -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'PodNotFound,*'
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errors[0].TargetObject | Should -Be 'ghost'
            Get-PodNames $Ns | Should -BeNullOrEmpty
        }

        It 'refuses a malformed selector before sending any request' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $err = { Remove-KPod -Namespace $Ns -Selector 'app in (web' -Confirm:$false } |
                Should -Throw -ErrorId 'InvalidSelector,PodTools.Commands.RemoveKPodCommand' -PassThru

            $err.ErrorDetails.Message | Should -Match '\^'
            @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.path -like "*/namespaces/$Ns/*" }).Count | Should -Be 0
        }

        It 'writes Forbidden per pod for the read-only viewer and deletes nothing' {
            New-Pods $Ns 'guarded'

            Remove-KPod -Context viewer -Namespace $Ns -Name guarded -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'Forbidden,*'
            $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            Get-PodNames $Ns | Should -Be @('guarded')
        }
    }

    Context 'kubectl cross-check' -Skip:(-not (Test-Path /usr/bin/kubectl)) {
        It 'deletes the pods kubectl created and kubectl then finds none' {
            & /usr/bin/kubectl --kubeconfig $Cluster.Kubeconfig -n $Ns run kube-made --image=nginx --labels=made=kubectl | Out-Null

            Remove-KPod -Namespace $Ns -Selector 'made=kubectl' -Wait -Timeout 60 -Confirm:$false

            (& /usr/bin/kubectl --kubeconfig $Cluster.Kubeconfig -n $Ns get pods -o name) | Should -BeNullOrEmpty
        }
    }
}
