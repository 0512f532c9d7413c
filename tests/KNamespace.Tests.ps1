#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Get-KNamespace, New-KNamespace and Remove-KNamespace against the test cluster: views, manifests, client-side
# validation (checked through the request log), deletion with pods and -Wait, the server's refusals, kubectl agreement.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:HasNewKPod = [bool] (Get-Command New-KPod -Module PodTools -ErrorAction SilentlyContinue)
    $script:HasKubectl = [bool] (Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue)
    if (-not $HasKubectl) { Write-Host 'kubectl is not on PATH: the kubectl cross-checks of KNamespace.Tests.ps1 are skipped.' -ForegroundColor Yellow }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Created = [System.Collections.Generic.List[string]]::new()

    function script:New-UniqueName([string] $Prefix) { '{0}-{1}' -f $Prefix, [guid]::NewGuid().ToString('N').Substring(0, 6) }
    function script:Get-Header([string] $Text) {
        (($Text -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 1).Trim() -split '\s+') -join ' '
    }
    function script:Get-LoggedRequest([string] $Method, [string] $PathLike) {
        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
            Where-Object { $_.method -eq $Method -and $_.path -like $PathLike })
    }
    function script:Invoke-Kubectl {
        $output = & kubectl --kubeconfig $Cluster.Kubeconfig @args 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output | Out-String) }
    }
}

AfterAll {
    foreach ($name in $Created) {
        try { $null = Invoke-TestClusterApi -Cluster $Cluster -Method DELETE -Path "/api/v1/namespaces/$name" } catch { }
    }
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Get-KNamespace' {
    It 'lists the namespaces every cluster starts with, Active, in the NAME STATUS AGE table' {
        $all = Get-KNamespace

        $all.Name | Should -Contain 'default'
        $all.Name | Should -Contain 'kube-system'
        $all.Name | Should -Contain 'kube-public'
        ($all | Where-Object Name -EQ 'default').Status | Should -Be 'Active'
        $all[0].GetType().FullName | Should -Be 'PodTools.Engine.Model.KNamespace'
        Get-Header ($all | Format-Table | Out-String -Width 200) | Should -Be 'NAME STATUS AGE'
    }

    It 'has a Labels view like --show-labels' {
        $text = Get-KNamespace -Name default | Format-Table -View Labels | Out-String -Width 300

        Get-Header $text | Should -Be 'NAME STATUS AGE LABELS'
        $text | Should -Match 'kubernetes\.io/metadata\.name=default'
    }

    It 'matches wildcards client-side and reports a missing exact name as NamespaceNotFound' {
        (Get-KNamespace -Name 'kube-*').Name | Sort-Object | Should -Be @('kube-public', 'kube-system')

        $found = Get-KNamespace -Name 'default', 'no-such-namespace' -ErrorVariable errors -ErrorAction SilentlyContinue

        $found.Name | Should -Be 'default'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NamespaceNotFound,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be 'no-such-namespace'
    }

    It 'takes names from the pipeline by value and by property name' {
        ('kube-system', 'default' | Get-KNamespace).Name | Should -Be @('kube-system', 'default')
        (Get-KNamespace -Name 'kube-*' | Get-KNamespace).Name | Sort-Object | Should -Be @('kube-public', 'kube-system')
    }

    It 'passes -Selector to the server and refuses a malformed one before any request' {
        (Get-KNamespace -Selector 'kubernetes.io/metadata.name in (default,kube-public)').Name | Sort-Object |
            Should -Be @('default', 'kube-public')

        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests
        { Get-KNamespace -Selector 'team in (web' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSelector,PodTools.Commands.GetKNamespaceCommand'
        (Get-LoggedRequest GET '/api/v1/namespaces*').Count | Should -Be 0
    }

    It 'completes namespace names for -Namespace of other cmdlets and for -Name' {
        $kubeconfig = $Cluster.Kubeconfig
        foreach ($line in "Get-KPod -Kubeconfig '$kubeconfig' -Namespace kube-", "Remove-KNamespace -Kubeconfig '$kubeconfig' -Name kube-") {
            $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $completion.CompletionMatches.CompletionText | Sort-Object | Should -Be @('kube-public', 'kube-system')
        }
    }
}

Describe 'New-KNamespace' {
    It 'creates a namespace by name with labels and writes it Active' {
        $name = New-UniqueName 'knstest-new'
        $Created.Add($name)

        $ns = New-KNamespace -Name $name -Label @{ team = 'web'; env = 'dev' }

        $ns.Name | Should -Be $name
        $ns.Status | Should -Be 'Active'
        $ns.Labels['team'] | Should -Be 'web'
        $ns.Labels['env'] | Should -Be 'dev'
        (Get-KNamespace -Selector "team=web,env=dev").Name | Should -Contain $name
    }

    It 'creates the namespaces of a YAML file and of a JSON file from Get-ChildItem' {
        $yamlName = New-UniqueName 'knstest-yaml'
        $jsonName = New-UniqueName 'knstest-json'
        $Created.Add($yamlName); $Created.Add($jsonName)
        Set-Content -Path (Join-Path $TestDrive 'ns.yaml') -Value @"
apiVersion: v1
kind: Namespace
metadata:
  name: $yamlName
  labels:
    source: yaml
"@
        Set-Content -Path (Join-Path $TestDrive 'ns.json') -Value (@{
                apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $jsonName; labels = @{ source = 'json' } }
            } | ConvertTo-Json -Depth 5)

        $made = Get-ChildItem (Join-Path $TestDrive 'ns.*') | Sort-Object Name | New-KNamespace -Label @{ via = 'pipeline' }

        $made.Name | Should -Be @($jsonName, $yamlName)
        ($made | Where-Object Name -EQ $yamlName).Labels['source'] | Should -Be 'yaml'
        ($made | Where-Object Name -EQ $jsonName).Labels['source'] | Should -Be 'json'
        $made.Labels.via | Should -Be @('pipeline', 'pipeline')
    }

    It 'refuses names that are not DNS-1123 labels without sending any request' -ForEach @(
        @{ Bad = 'Bad_Name'; Why = 'a lowercase RFC 1123 label' }
        @{ Bad = 'has.dots'; Why = 'must not contain dots' }
        @{ Bad = '-starts-with-dash'; Why = 'a lowercase RFC 1123 label' }
        @{ Bad = ('a' * 64); Why = 'must be no more than 63 characters' }
    ) {
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        $null = New-KNamespace -Name $Bad -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'InvalidNamespaceName,PodTools.Commands.NewKNamespaceCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].Exception.Message | Should -BeLike "*$Why*"
        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests).Count | Should -Be 0
    }

    It 'still creates the valid names when another name in the same call is invalid' {
        $name = New-UniqueName 'knstest-mixed'
        $Created.Add($name)

        $made = New-KNamespace -Name 'Not_Valid', $name -ErrorVariable errors -ErrorAction SilentlyContinue

        $made.Name | Should -Be $name
        $errors.Count | Should -Be 1
    }

    It 'stops on an invalid label before any request' {
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        { New-KNamespace -Name (New-UniqueName 'knstest-badlabel') -Label @{ 'bad key!' = 'x' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidLabel,PodTools.Commands.NewKNamespaceCommand'
        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests).Count | Should -Be 0
    }

    It 'names the file, line and column of a broken manifest and sends nothing' {
        $file = Join-Path $TestDrive 'broken.yaml'
        Set-Content -Path $file -Value "apiVersion: v1`nkind: Namespace`nmetadata:`n  name: [oops`n"
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        $null = New-KNamespace -Path $file -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidManifest,*'
        $errors[0].Exception.Message | Should -Match ([regex]::Escape($file) + ':\d+:\d+')
        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests).Count | Should -Be 0
    }

    It 'refuses a pod in a namespace manifest as UnsupportedKind' {
        $file = Join-Path $TestDrive 'pod.yaml'
        Set-Content -Path $file -Value "apiVersion: v1`nkind: Pod`nmetadata:`n  name: p`nspec:`n  containers:`n  - name: c`n    image: nginx`n"

        $null = New-KNamespace -Path $file -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedKind,*'
    }

    It 'asks the server for a dry run with -WhatIf and creates nothing' {
        $name = New-UniqueName 'knstest-whatif'
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        $output = New-KNamespace -Name $name -WhatIf 6>&1 | Out-String

        $output | Should -Match ([regex]::Escape("accepted namespace '$name'"))
        $posts = Get-LoggedRequest POST '/api/v1/namespaces'
        $posts.Count | Should -Be 1
        $posts[0].query | Should -Match 'dryRun=All'
        Get-KNamespace -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'reports the server refusing a name that is taken, also under -WhatIf' {
        $null = New-KNamespace -Name default -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AlreadyExists,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'

        $null = New-KNamespace -Name default -WhatIf -ErrorVariable whatIfErrors -ErrorAction SilentlyContinue 6>$null
        $whatIfErrors[0].FullyQualifiedErrorId | Should -BeLike 'AlreadyExists,*'
    }

    It 'reports Forbidden for the read-only viewer' {
        $null = New-KNamespace -Name (New-UniqueName 'knstest-viewer') -Context viewer -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -BeLike 'Forbidden,*'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
    }
}

Describe 'Remove-KNamespace' {
    Context 'a namespace with pods' {
        BeforeEach {
            $script:Victim = New-UniqueName 'knstest-rm'
            $Created.Add($Victim)
            $null = New-KNamespace -Name $Victim
            $null = New-TestPod -Cluster $Cluster -Namespace $Victim -Name 'pod-a'
            $null = New-TestPod -Cluster $Cluster -Namespace $Victim -Name 'pod-b' -Containers @(@{ name = 'a'; image = 'nginx' }, @{ name = 'b'; image = 'busybox' })
        }

        It 'says how many pods the namespace holds under -WhatIf and deletes nothing' {
            # What-if text goes to the host, so it is read from a child session's output.
            $output = Invoke-ChildPwsh -Script @"
Import-Module '$(Get-TestModulePath)'
Remove-KNamespace -Kubeconfig '$($Cluster.Kubeconfig)' -Name '$Victim' -WhatIf
"@ | Out-String

            $output | Should -Match ([regex]::Escape("What if: Deleting namespace '$Victim' and the 2 pods in it."))
            (Get-KNamespace -Name $Victim).Status | Should -Be 'Active'
        }

        It 'deletes the namespace with its pods, having said how many pods go with it' {
            $verbose = Remove-KNamespace -Name $Victim -Wait -Timeout 60 -Confirm:$false -Verbose 4>&1 | Out-String

            $verbose | Should -Match ([regex]::Escape("Deleting namespace '$Victim' and the 2 pods in it."))
            Get-KNamespace -Name $Victim -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            (Invoke-TestClusterApi -Cluster $Cluster -Method GET -Path "/api/v1/namespaces/$Victim/pods").items.Count | Should -Be 0
        }

        It 'writes the namespace as the server answered, Terminating, with -PassThru' {
            $answer = Remove-KNamespace -Name $Victim -Confirm:$false -PassThru

            $answer.Name | Should -Be $Victim
            $answer.Status | Should -Be 'Terminating'
            $answer.DeletionTimestamp | Should -Not -BeNullOrEmpty
        }

        It 'takes namespaces from the pipeline by property name' {
            Get-KNamespace -Name $Victim | Remove-KNamespace -Confirm:$false -Wait -Timeout 60

            Get-KNamespace -Name $Victim -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'reports Forbidden for the read-only viewer and the namespace stays' {
            $null = Remove-KNamespace -Name $Victim -Context viewer -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors[0].FullyQualifiedErrorId | Should -BeLike 'Forbidden,*'
            (Get-KNamespace -Name $Victim).Status | Should -Be 'Active'
        }
    }

    Context 'a namespace kept Terminating by a pod that ignores SIGTERM' {
        BeforeAll {
            $script:Slow = New-UniqueName 'knstest-slow'
            $Created.Add($Slow)
            $null = New-KNamespace -Name $Slow
            # The container ignores SIGTERM, so the namespace stays Terminating for the pod's grace period.
            $null = Invoke-TestClusterApi -Cluster $Cluster -Method POST -Path "/api/v1/namespaces/$Slow/pods" -Body @{
                apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'stubborn' }
                spec = @{ terminationGracePeriodSeconds = 12
                    containers = @(@{ name = 'main'; image = 'busybox'; command = @('sh', '-c', 'trap "" TERM; while true; do sleep 1; done') }) }
            }
            Wait-TestCondition -Because 'the stubborn pod to run' -Condition { (Get-KPod -Namespace $Slow -Name stubborn).Status -eq 'Running' }
        }

        It 'gives up -Wait after -Timeout with WaitTimeout while the namespace is Terminating' {
            $null = Remove-KNamespace -Name $Slow -Wait -Timeout 2 -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be 'WaitTimeout,PodTools.Commands.RemoveKNamespaceCommand'
            $errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            (Get-KNamespace -Name $Slow).Status | Should -Be 'Terminating'
        }

        It 'leaves pods created in the Terminating namespace refused by the server' {
            { New-TestPod -Cluster $Cluster -Namespace $Slow -Name 'too-late' } |
                Should -Throw "*unable to create new content in namespace $Slow because it is being terminated*"
        }

        It 'surfaces the refusal when New-KPod creates a pod in the Terminating namespace' -Skip:(-not $HasNewKPod) {
            $null = New-KPod -Name 'too-late' -Image nginx -Namespace $Slow -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors[0].FullyQualifiedErrorId | Should -BeLike 'Forbidden,*'
            $errors[0].Exception.Message | Should -BeLike '*because it is being terminated*'
        }

        It 'waits with a watch, not a polling loop, until the namespace is gone' {
            Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

            Remove-KNamespace -Name $Slow -Wait -Timeout 60 -Confirm:$false

            Get-KNamespace -Name $Slow -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $log = @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests)
            @($log | Where-Object { $_.path -eq '/api/v1/namespaces' -and $_.query -match 'watch=true' -and $_.query -match "metadata.name%3D$Slow" }).Count |
                Should -BeGreaterOrEqual 1
            @($log | Where-Object { $_.method -eq 'GET' -and $_.path -eq "/api/v1/namespaces/$Slow" }).Count | Should -BeLessOrEqual 4
        }
    }

    It 'reports NamespaceNotFound for a namespace that does not exist' {
        $null = Remove-KNamespace -Name 'no-such-namespace-here' -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NamespaceNotFound,*'
    }

    It 'surfaces the server refusing to delete <_> with 403 Forbidden' -ForEach 'default', 'kube-system', 'kube-public' {
        $null = Remove-KNamespace -Name $_ -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'Forbidden,PodTools.Commands.RemoveKNamespaceCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $errors[0].Exception.Message | Should -Be "namespaces `"$_`" is forbidden: this namespace may not be deleted"
        (Get-KNamespace -Name $_).Status | Should -Be 'Active'
    }
}

Describe 'kubectl agrees with the namespace cmdlets' -Skip:(-not $HasKubectl) {
    It 'sees a namespace made by New-KNamespace with its labels' {
        $name = New-UniqueName 'knstest-kubectl'
        $Created.Add($name)
        $null = New-KNamespace -Name $name -Label @{ made = 'podtools' }

        $json = (Invoke-Kubectl get namespace $name -o json).Text | ConvertFrom-Json

        $json.metadata.labels.made | Should -Be 'podtools'
        $json.status.phase | Should -Be 'Active'
    }

    It 'prints the same NAME and STATUS as Get-KNamespace for every namespace' {
        $kubectl = (Invoke-Kubectl get namespaces --no-headers).Text -split "`n" | Where-Object { $_.Trim() } |
            ForEach-Object { $cells = $_.Trim() -split '\s+'; "$($cells[0]) $($cells[1])" }

        $ours = Get-KNamespace | ForEach-Object { "$($_.Name) $($_.Status)" }

        ($ours | Sort-Object) | Should -Be ($kubectl | Sort-Object)
    }

    It 'lets Get-KNamespace see a namespace created by kubectl, and Remove-KNamespace delete it for kubectl' {
        $name = New-UniqueName 'knstest-fromkubectl'
        $Created.Add($name)
        (Invoke-Kubectl create namespace $name).ExitCode | Should -Be 0

        (Get-KNamespace -Name $name).Status | Should -Be 'Active'
        Remove-KNamespace -Name $name -Confirm:$false -Wait -Timeout 60

        $after = Invoke-Kubectl get namespace $name
        $after.ExitCode | Should -Not -Be 0
        $after.Text | Should -Match 'NotFound|not found'
    }
}
