#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Get-KPod selection and watching: label selectors (set-based, as kubectl selects), -Label, -Node, -Phase, -Watch,
# the Labels view and -LabelColumn, and selector errors that point at the offending position before any request.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'getkpod-sel'
    $script:Kubectl = if (Test-Path /usr/bin/kubectl) { '/usr/bin/kubectl' } else { $null }
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'web-fe' -Labels @{ app = 'web'; tier = 'fe'; env = 'prod' }
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'web-be' -Labels @{ app = 'web'; tier = 'be' }
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'db' -Labels @{ app = 'db'; env = 'staging'; 'example.com/team' = 'data' }
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'bare'
    $null = Invoke-TestClusterApi -Cluster $Cluster -Method POST -Path "/api/v1/namespaces/$Ns/pods" -Body @{
        apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'job'; labels = @{ app = 'job' } }
        spec = @{ restartPolicy = 'Never'; containers = @(@{ name = 'main'; image = 'busybox:exit0' }) }
    }
    Wait-TestCondition -Because 'the pods to be scheduled and the job to complete' -Condition {
        $pods = @(Get-KPod -Namespace $Ns)
        ($pods | Where-Object { -not $_.Node }).Count -eq 0 -and ($pods | Where-Object Name -eq 'job').Status -eq 'Completed'
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Get-KPod selection' {
    Context 'label selectors' {
        It 'selects with <Selector> exactly what kubectl get pods -l selects' -ForEach @(
            @{ Selector = 'app=web'; Expected = @('web-be', 'web-fe') }
            @{ Selector = 'app!=web'; Expected = @('bare', 'db', 'job') }
            @{ Selector = 'app in (web, db)'; Expected = @('db', 'web-be', 'web-fe') }
            @{ Selector = 'app notin (web)'; Expected = @('bare', 'db', 'job') }
            @{ Selector = 'env'; Expected = @('db', 'web-fe') }
            @{ Selector = '!env'; Expected = @('bare', 'job', 'web-be') }
            @{ Selector = 'app=web,tier notin (be)'; Expected = @('web-fe') }
            @{ Selector = 'example.com/team=data'; Expected = @('db') }
            @{ Selector = 'app in (web),env notin (staging),!missing'; Expected = @('web-be', 'web-fe') }
        ) {
            $names = @((Get-KPod -Namespace $Ns -Selector $Selector).Name | Sort-Object)

            $names | Should -Be $Expected
            if ($Kubectl) {
                $kubectlNames = @(& $Kubectl --kubeconfig $Cluster.Kubeconfig -n $Ns get pods -l $Selector -o name |
                    ForEach-Object { $_ -replace '^pod/' } | Sort-Object)
                $names | Should -Be $kubectlNames
            }
        }

        It 'selects by -Label equality and merges it with -Selector' {
            (Get-KPod -Namespace $Ns -Label @{ app = 'web'; tier = 'fe' }).Name | Should -Be 'web-fe'
            @((Get-KPod -Namespace $Ns -Label @{ app = 'web' } -Selector 'tier in (be)').Name) | Should -Be @('web-be')
            @(Get-KPod -Namespace $Ns -Label @{ app = 'web' } -Selector 'env=staging') | Should -BeNullOrEmpty
        }

        It 'sends one combined labelSelector' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $null = Get-KPod -Namespace $Ns -Label @{ app = 'web' } -Selector 'tier in (be)'

            $list = Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object path -like "*/namespaces/$Ns/pods"
            [uri]::UnescapeDataString(($list.query -replace '\+', ' ')) | Should -Match 'labelSelector=app=web,tier in \(be\)'
        }
    }

    Context 'field selections' {
        It 'selects by -Node (spec.nodeName) the pods scheduled there' {
            $all = Get-KPod -Namespace $Ns
            foreach ($node in $all.Node | Sort-Object -Unique) {
                $expected = @($all | Where-Object Node -eq $node | ForEach-Object Name | Sort-Object)
                @((Get-KPod -Namespace $Ns -Node $node).Name | Sort-Object) | Should -Be $expected
            }
            @(Get-KPod -Namespace $Ns -Node 'no-such-node') | Should -BeNullOrEmpty
        }

        It 'selects by -Phase (status.phase) and combines it with -FieldSelector' {
            (Get-KPod -Namespace $Ns -Phase Succeeded).Name | Should -Be 'job'
            @((Get-KPod -Namespace $Ns -Phase running).Name | Sort-Object) | Should -Be @('bare', 'db', 'web-be', 'web-fe')
            @((Get-KPod -Namespace $Ns -Phase Running -FieldSelector 'metadata.name!=db').Name | Sort-Object) |
                Should -Be @('bare', 'web-be', 'web-fe')
        }
    }

    Context 'invalid selections' {
        It 'points at the offending position of a malformed selector and sends no request' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            $err = { Get-KPod -Namespace $Ns -Selector 'app=web,,tier' } |
                Should -Throw -ErrorId 'InvalidSelector,PodTools.Commands.GetKPodCommand' -PassThru

            $lines = $err.ErrorDetails.Message -split "`r?`n"
            $lines[1].Trim() | Should -Be 'app=web,,tier'
            $caret = $lines[2].IndexOf('^') - $lines[1].IndexOf('a')
            $caret | Should -Be $err.Exception.Position
            $caret | Should -Be 8
            @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.path -like "*/namespaces/$Ns/*" }).Count | Should -Be 0
        }

        It 'refuses an invalid -Label key before sending any request' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            { Get-KPod -Namespace $Ns -Label @{ 'bad key' = 'x' } } | Should -Throw -ErrorId 'InvalidLabelKey,PodTools.Commands.GetKPodCommand'

            @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
                Where-Object { $_.path -like "*/namespaces/$Ns/*" }).Count | Should -Be 0
        }
    }

    Context 'views' {
        It 'has a Labels view with a LABELS column like --show-labels' {
            $text = Get-KPod -Namespace $Ns -Name db, bare | Format-Table -View Labels | Out-String -Width 300
            $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }

            ($lines[0] -split '\s+' -join ' ').Trim() | Should -Be 'NAME READY STATUS RESTARTS AGE LABELS'
            ($lines | Where-Object { $_ -match '^db\s' }) | Should -Match 'app=db,env=staging,example.com/team=data\s*$'
            ($lines | Where-Object { $_ -match '^bare\s' }) | Should -Match '<none>\s*$'
        }

        It 'adds one column per -LabelColumn key, headed like kubectl -L, in the default output' {
            $pods = Get-KPod -Namespace $Ns -Name web-fe, bare, db -LabelColumn app, 'example.com/team'
            $text = $pods | Out-String -Width 300
            $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }

            ($lines[0] -split '\s+' -join ' ').Trim() | Should -Be 'NAME READY STATUS RESTARTS AGE APP TEAM'
            ($lines | Where-Object { $_ -match '^db\s' }) | Should -Match '\sdb\s+data\s*$'
            ($lines | Where-Object { $_ -match '^web-fe\s' }) | Should -Match '\sweb\s*$'
            ($pods | Where-Object Name -eq 'db').app | Should -Be 'db'
            ($pods | Where-Object Name -eq 'db').'example.com/team' | Should -Be 'data'
            $pods[0].psobject.BaseObject.GetType().FullName | Should -Be 'PodTools.Engine.Model.KPod'
        }
    }

    Context 'watch' {
        It 'writes the current pods, then Added, Modified and Deleted events until -Timeout' {
            $watchNs = New-TestNamespace -Cluster $Cluster -Prefix 'getkpod-watch'
            $null = New-TestPod -Cluster $Cluster -Namespace $watchNs -Name 'before'
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$(Get-TestModulePath)'; Get-KPod -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$watchNs' -Watch -Timeout 10")
            $started = [DateTime]::UtcNow
            $handle = $ps.BeginInvoke()
            Start-Sleep -Seconds 2
            $null = New-TestPod -Cluster $Cluster -Namespace $watchNs -Name 'during' -Labels @{ step = '1' }
            Start-Sleep -Seconds 1
            $null = Invoke-TestClusterApi -Cluster $Cluster -Method DELETE -Path "/api/v1/namespaces/$watchNs/pods/during?gracePeriodSeconds=0"

            $events = @($ps.EndInvoke($handle))
            $elapsed = [DateTime]::UtcNow - $started
            $errors = @($ps.Streams.Error)
            $ps.Dispose()

            $errors | Should -BeNullOrEmpty
            $events[0].GetType().FullName | Should -Be 'PodTools.Engine.Model.KPodEvent'
            $initial = $events | Where-Object IsInitial
            $initial.Name | Should -Be 'before'
            $initial.Type | Should -Be 'Added'
            $during = $events | Where-Object Name -eq 'during'
            $during[0].Type | Should -Be 'Added'
            $during.Type | Should -Contain 'Modified'
            $during[-1].Type | Should -Be 'Deleted'
            $elapsed.TotalSeconds | Should -BeGreaterThan 9
            $elapsed.TotalSeconds | Should -BeLessThan 30
        }

        It 'shows events of one namespace without NAMESPACE, like kubectl get pods -w, in the default and the Wide view' {
            $events = Get-KPod -Namespace $Ns -Name db -Watch -Timeout 1
            $lines = ($events | Out-String -Width 300) -split "`r?`n" | Where-Object { $_.Trim() }

            Get-TableHeader $events | Should -Be 'EVENT NAME READY STATUS RESTARTS AGE'
            Get-TableHeader $events -View Wide | Should -Be 'EVENT NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES'
            $lines[2] | Should -Match '^Added\s+db\s+\d+/\d+\s'
        }

        It 'puts NAMESPACE after EVENT with -AllNamespaces, in the default and the Wide view' {
            $events = Get-KPod -AllNamespaces -Name db -Watch -Timeout 1
            $lines = ($events | Out-String -Width 300) -split "`r?`n" | Where-Object { $_.Trim() }

            Get-TableHeader $events | Should -Be 'EVENT NAMESPACE NAME READY STATUS RESTARTS AGE'
            Get-TableHeader $events -View Wide | Should -Be 'EVENT NAMESPACE NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES'
            @($lines -match "^Added\s+$([regex]::Escape($Ns))\s+db\s").Count | Should -Be 1
        }

        It 'adds one column per -LabelColumn key to the events, headed like kubectl -L' {
            $events = Get-KPod -Namespace $Ns -Name web-fe, bare, db -Watch -Timeout 1 -LabelColumn app, 'example.com/team'
            $lines = ($events | Out-String -Width 300) -split "`r?`n" | Where-Object { $_.Trim() }

            ($lines[0] -split '\s+' -join ' ').Trim() | Should -Be 'EVENT NAME READY STATUS RESTARTS AGE APP TEAM'
            ($lines | Where-Object { $_ -match '^Added\s+db\s' }) | Should -Match '\sdb\s+data\s*$'
            ($lines | Where-Object { $_ -match '^Added\s+web-fe\s' }) | Should -Match '\sweb\s*$'
            ($events | Where-Object Name -eq 'db').'example.com/team' | Should -Be 'data'
            $events[0].psobject.BaseObject.GetType().FullName | Should -Be 'PodTools.Engine.Model.KPodEvent'
        }

        It 'puts NAMESPACE after EVENT and the label columns last with -AllNamespaces -LabelColumn' {
            $events = Get-KPod -AllNamespaces -Name db -Watch -Timeout 1 -LabelColumn app

            Get-TableHeader $events | Should -Be 'EVENT NAMESPACE NAME READY STATUS RESTARTS AGE APP'
            Get-TableHeader $events -View Wide | Should -Be 'EVENT NAMESPACE NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES'
        }

        It 'shows in the -LabelColumn columns the labels of the pod as each event saw it' {
            $watchNs = New-TestNamespace -Cluster $Cluster -Prefix 'getkpod-watchl'
            $null = New-TestPod -Cluster $Cluster -Namespace $watchNs -Name 'relabelled' -Labels @{ step = '1' }
            # The label changes once the watch has reported the pod as it was, so the change arrives as an event.
            $events = Get-KPod -Namespace $watchNs -Watch -Timeout 5 -LabelColumn step | ForEach-Object {
                if ($_.IsInitial) { Set-KPodLabel -Namespace $watchNs -Name relabelled -Label @{ step = '2' } -Overwrite }
                $_
            }
            $lines = ($events | Out-String -Width 300) -split "`r?`n" | Where-Object { $_ -match '^\w+\s+relabelled\s' }

            $lines[0] | Should -Match '^Added\s.*\s1\s*$'
            $lines[-1] | Should -Match '^Modified\s.*\s2\s*$'
        }
    }
}
