#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# New-KPod and New-KContainerSpec against the test cluster: parameters, manifests, objects, clones, client-side
# validation (proved through the request log), -WhatIf as a server dry run, -Wait, bulk creation, kubectl cross-checks.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'newkpod'
    $script:Kubectl = (Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source

    function script:Get-PodRequest {
        # Requests the cluster logged for pods of one namespace (the log is shared; the namespace keeps tests apart).
        param([string] $Namespace, [string] $Method)
        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests |
            Where-Object { $_.path -like "/api/v1/namespaces/$Namespace/pods*" -and (-not $Method -or $_.method -eq $Method) })
    }

    function script:Invoke-Kubectl {
        $output = & $Kubectl --kubeconfig $Cluster.Kubeconfig @args 2>&1
        if ($LASTEXITCODE -ne 0) { throw "kubectl $args failed: $output" }
        $output
    }

    function script:Write-Manifest {
        param([string] $Name, [string] $Text)
        $path = Join-Path $TestDrive $Name
        Set-Content -LiteralPath $path -Value $Text -NoNewline
        $path
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'New-KPod from parameters' {
    It 'creates a pod with every container and placement parameter and emits it' {
        $pod = New-KPod -Namespace $Ns -Name 'params' -Image 'nginx:1.27' -Port 80, 443 -Env ([ordered]@{ MODE = 'test'; LEVEL = 3 }) `
            -Command 'nginx' -Argument '-g', 'daemon off;' -Label @{ app = 'params'; tier = 'fe' } `
            -Annotation @{ 'example.com/owner' = 'team-a' } -NodeSelector @{ 'kubernetes.io/hostname' = 'worker002' } `
            -RestartPolicy OnFailure

        $pod.GetType().FullName | Should -Be 'PodTools.Engine.Model.KPod'
        $pod.Name | Should -Be 'params'
        $pod.Namespace | Should -Be $Ns
        $spec = $pod.Object.Spec
        $spec.Containers.Count | Should -Be 1
        $spec.Containers[0].Name | Should -Be 'params'
        $spec.Containers[0].Image | Should -Be 'nginx:1.27'
        $spec.Containers[0].Command | Should -Be @('nginx')
        $spec.Containers[0].Args | Should -Be @('-g', 'daemon off;')
        $spec.Containers[0].Ports.ContainerPort | Should -Be @(80, 443)
        ($spec.Containers[0].Env | ForEach-Object { "$($_.Name)=$($_.Value)" }) | Should -Be @('MODE=test', 'LEVEL=3')
        $spec.RestartPolicy | Should -Be 'OnFailure'
        $pod.Labels['tier'] | Should -Be 'fe'
        $pod.Object.Metadata.Annotations['example.com/owner'] | Should -Be 'team-a'
        $spec.NodeSelector['kubernetes.io/hostname'] | Should -Be 'worker002'
    }

    It 'schedules a pod with -NodeSelector onto the matching node' {
        Wait-TestCondition -Because 'the scheduler to place the pod' -Condition {
            (Get-KPod -Namespace $Ns -Name params).Node -eq 'worker002'
        }
    }

    It 'binds a pod to -NodeName without the scheduler' {
        $pod = New-KPod -Namespace $Ns -Name 'pinned' -Image nginx -NodeName worker001

        $pod.Node | Should -Be 'worker001'
    }

    It 'looks the same to kubectl get -o json (names, containers, labels, nodeSelector)' {
        if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        $seen = Invoke-Kubectl -n $Ns get pod params -o json | Out-String | ConvertFrom-Json

        $seen.metadata.name | Should -Be 'params'
        $seen.metadata.labels.app | Should -Be 'params'
        $seen.metadata.labels.tier | Should -Be 'fe'
        $seen.metadata.annotations.'example.com/owner' | Should -Be 'team-a'
        $seen.spec.nodeSelector.'kubernetes.io/hostname' | Should -Be 'worker002'
        $seen.spec.containers.name | Should -Be @('params')
        $seen.spec.containers[0].image | Should -Be 'nginx:1.27'
        $seen.spec.containers[0].command | Should -Be @('nginx')
        $seen.spec.containers[0].args | Should -Be @('-g', 'daemon off;')
        $seen.spec.containers[0].ports.containerPort | Should -Be @(80, 443)
        $seen.spec.containers[0].env.name | Should -Be @('MODE', 'LEVEL')
        $seen.spec.restartPolicy | Should -Be 'OnFailure'
    }

    It 'creates a two-container pod from New-KContainerSpec and hashtable specs, READY 2/2 with -Wait' {
        $web = New-KContainerSpec -Name web -Image 'nginx:1.27' -Port 8080 -Env @{ ROLE = 'web' } -ImagePullPolicy IfNotPresent
        $pod = New-KPod -Namespace $Ns -Name 'duo' -Container $web, @{ name = 'sidecar'; image = 'busybox'; command = @('sleep', '3600') } -Wait

        $pod.Ready | Should -Be '2/2'
        $pod.Status | Should -Be 'Running'
        $pod.Containers.Name | Should -Be @('web', 'sidecar')
        $pod.Object.Spec.Containers[0].ImagePullPolicy | Should -Be 'IfNotPresent'
        (Get-KPodContainer -Namespace $Ns -Name duo).Name | Should -Be @('web', 'sidecar')
    }

    It 'adds the -Image container first when -Container is given too' {
        $pod = New-KPod -Namespace $Ns -Name 'trio' -Image nginx -Container @{ name = 'two'; image = 'busybox' }

        $pod.Containers.Name | Should -Be @('trio', 'two')
    }

    It 'refuses -Name without -Image or -Container' {
        { New-KPod -Namespace $Ns -Name 'nothing' -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageOrContainerRequired,PodTools.Commands.NewKPodCommand'
    }
}

Describe 'New-KContainerSpec' {
    It 'makes a spec with every field' {
        $spec = New-KContainerSpec web nginx -Command sh -Argument '-c', 'true' -Port 80 -Env @{ A = '1' } -WorkingDirectory /srv -ImagePullPolicy Never

        $spec.GetType().FullName | Should -Be 'PodTools.Engine.Model.KContainerSpec'
        $spec.Name | Should -Be 'web'
        $spec.Image | Should -Be 'nginx'
        $spec.Command | Should -Be @('sh')
        $spec.Arguments | Should -Be @('-c', 'true')
        $spec.Ports | Should -Be @(80)
        $spec.Env[0].Key | Should -Be 'A'
        $spec.WorkingDirectory | Should -Be '/srv'
        $spec.ImagePullPolicy | Should -Be 'Never'
    }

    It 'refuses a container name that is not a DNS-1123 label' {
        { New-KContainerSpec -Name 'Web_1' -Image nginx } | Should -Throw -ErrorId 'InvalidName,PodTools.Commands.NewKContainerSpecCommand'
    }
}

Describe 'New-KPod from manifests' {
    BeforeAll {
        $script:ManifestNs = New-TestNamespace -Cluster $Cluster -Prefix 'newkpod-files'
        $script:DuoYaml = Write-Manifest 'duo.yaml' @"
apiVersion: v1
kind: Pod
metadata:
  name: yaml-duo
  labels:
    app: duo
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports:
    - containerPort: 80
  - name: sidecar
    image: busybox
---
# a second document in the same file
apiVersion: v1
kind: Pod
metadata:
  name: yaml-second
spec:
  containers:
  - name: main
    image: nginx
"@
        $script:ListJson = Write-Manifest 'list.json' (@{
                apiVersion = 'v1'; kind = 'List'
                items      = @(
                    @{ apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'json-1' }; spec = @{ containers = @(@{ name = 'c'; image = 'nginx' }) } }
                    @{ apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'json-2' }; spec = @{ containers = @(@{ name = 'c'; image = 'nginx' }) } }
                )
            } | ConvertTo-Json -Depth 10)
    }

    It 'creates every pod of a multi-document YAML file, and the two-container pod shows READY 2/2' {
        $pods = New-KPod -Namespace $ManifestNs -Path $DuoYaml -Wait

        $pods.Name | Sort-Object | Should -Be @('yaml-duo', 'yaml-second')
        $duo = $pods | Where-Object Name -EQ 'yaml-duo'
        $duo.Ready | Should -Be '2/2'
        ($duo | Get-KPodContainer).Name | Should -Be @('web', 'sidecar')
        (Get-KPod -Namespace $ManifestNs -Name yaml-duo | Format-Table | Out-String) | Should -Match 'yaml-duo\s+2/2\s+Running'
    }

    It 'creates the items of a JSON List' {
        (New-KPod -Namespace $ManifestNs -Path $ListJson).Name | Sort-Object | Should -Be @('json-1', 'json-2')
    }

    It 'resolves wildcards in -Path through the provider' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'wild')
        foreach ($n in 1..3) {
            Set-Content (Join-Path $folder "w$n.yaml") "apiVersion: v1`nkind: Pod`nmetadata:`n  name: wild-$n`nspec:`n  containers:`n  - name: c`n    image: nginx`n"
        }
        Set-Content (Join-Path $folder 'ignored.txt') 'not a manifest'

        (New-KPod -Namespace $ManifestNs -Path (Join-Path $folder 'w*.yaml')).Name | Sort-Object | Should -Be @('wild-1', 'wild-2', 'wild-3')
    }

    It 'takes files from Get-ChildItem through the pipeline' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'piped')
        foreach ($n in 1..2) {
            Set-Content (Join-Path $folder "p$n.yaml") "apiVersion: v1`nkind: Pod`nmetadata:`n  name: piped-$n`nspec:`n  containers:`n  - name: c`n    image: nginx`n"
        }

        (Get-ChildItem $folder -Filter *.yaml | New-KPod -Namespace $ManifestNs).Name | Sort-Object | Should -Be @('piped-1', 'piped-2')
    }

    It 'binds FullName by property name to -Path' {
        $file = Write-Manifest 'byprop.yaml' "apiVersion: v1`nkind: Pod`nmetadata:`n  name: byprop`nspec:`n  containers:`n  - name: c`n    image: nginx`n"

        ([pscustomobject]@{ FullName = $file } | New-KPod -Namespace $ManifestNs).Name | Should -Be 'byprop'
        (Get-Command New-KPod).Parameters['Path'].Aliases | Should -Contain 'FullName'
    }

    It 'uses the namespace of the manifest when -Namespace is not given' {
        $file = Write-Manifest 'withns.yaml' "apiVersion: v1`nkind: Pod`nmetadata:`n  name: withns`n  namespace: $ManifestNs`nspec:`n  containers:`n  - name: c`n    image: nginx`n"

        (New-KPod -Path $file).Namespace | Should -Be $ManifestNs
    }

    It 'refuses a manifest whose namespace differs from -Namespace, with kubectl''s message' {
        $file = Write-Manifest 'otherns.yaml' "apiVersion: v1`nkind: Pod`nmetadata:`n  name: otherns`n  namespace: a`nspec:`n  containers:`n  - name: c`n    image: nginx`n"

        New-KPod -Path $file -Namespace b -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'NamespaceMismatch,PodTools.Commands.NewKPodCommand'
        $errors[0].Exception.Message | Should -Be "the namespace from the provided object `"a`" does not match the namespace `"b`". You must pass '--namespace=a' to perform this operation."
    }

    It 'reports a YAML syntax error with file, line and column, and sends nothing' {
        $file = Write-Manifest 'syntax.yaml' "apiVersion: v1`nkind: Pod`nmetadata:`n  name: syntax`n   labels: {}`nspec: {}`n"
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        New-KPod -Namespace $ManifestNs -Path $file -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'InvalidManifest,PodTools.Commands.NewKPodCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].Exception.Message | Should -Match ('^' + [regex]::Escape($file) + ':5:\d+: ')
        Get-PodRequest -Namespace $ManifestNs | Should -BeNullOrEmpty
    }

    It 'reports an unclosed flow collection with a position instead of failing' {
        $file = Write-Manifest 'unclosed.yaml' "apiVersion: v1`nkind: Pod`nmetadata:`n  name: syntax`n  labels: [unclosed`nspec: {}`n"

        New-KPod -Namespace $ManifestNs -Path $file -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'InvalidManifest,PodTools.Commands.NewKPodCommand'
        $errors[0].Exception.Message | Should -Match ('^' + [regex]::Escape($file) + ':\d+:\d+: ')
    }

    It 'reports a schema error (unknown field) at its line and column, and sends nothing' {
        $file = Write-Manifest 'schema.yaml' "apiVersion: v1`nkind: Pod`nmetadata:`n  name: schema`nspec:`n  containers:`n  - name: c`n    image: nginx`n    imagePolicy: Always`n"
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        New-KPod -Namespace $ManifestNs -Path $file -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -Be 'InvalidManifest,PodTools.Commands.NewKPodCommand'
        $errors[0].Exception.Message | Should -BeLike "$file`:9:*imagePolicy*"
        Get-PodRequest -Namespace $ManifestNs | Should -BeNullOrEmpty
    }

    It 'reports a JSON syntax error with its position' {
        $file = Write-Manifest 'broken.json' "{`n  `"apiVersion`": `"v1`",`n  `"kind`": `"Pod`",,`n}"

        New-KPod -Namespace $ManifestNs -Path $file -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -Be 'InvalidManifest,PodTools.Commands.NewKPodCommand'
        $errors[0].Exception.Message | Should -BeLike "$file`:3:*"
    }

    It 'names the line and column of an invalid pod name, label key and label value' {
        $file = Write-Manifest 'invalid.yaml' @"
apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
  labels:
    'bad key!': ok
    good: 'bad value!'
spec:
  containers:
  - name: c
    image: nginx
"@
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        New-KPod -Namespace $ManifestNs -Path $file -ErrorVariable errors -ErrorAction SilentlyContinue

        $ids = $errors | ForEach-Object { $_.FullyQualifiedErrorId -replace ',.*' }
        $ids | Should -Be @('InvalidName', 'InvalidLabelKey', 'InvalidLabelValue')
        $errors[0].Exception.Message | Should -BeLike "$file`:4:9: Pod `"Bad_Name`" is invalid: metadata.name: Invalid value: `"Bad_Name`": *"
        $errors[1].Exception.Message | Should -BeLike "$file`:6:5: *metadata.labels: Invalid value: `"bad key!`"*"
        $errors[2].Exception.Message | Should -BeLike "$file`:7:11: *metadata.labels: Invalid value: `"bad value!`"*"
        $errors | ForEach-Object { $_.CategoryInfo.Category } | Should -Be @('InvalidArgument', 'InvalidArgument', 'InvalidArgument')
        Get-PodRequest -Namespace $ManifestNs | Should -BeNullOrEmpty
    }

    It 'refuses a non-Pod object in a manifest and still creates the pods next to it' {
        $file = Write-Manifest 'mixed.yaml' "apiVersion: v1`nkind: Namespace`nmetadata:`n  name: not-a-pod`n---`napiVersion: v1`nkind: Pod`nmetadata:`n  name: mixed-pod`nspec:`n  containers:`n  - name: c`n    image: nginx`n"

        $pods = New-KPod -Namespace $ManifestNs -Path $file -ErrorVariable errors -ErrorAction SilentlyContinue

        $pods.Name | Should -Be 'mixed-pod'
        $errors.Count | Should -Be 1
        $errors[0].Exception.Message | Should -BeLike "$file`:1:1: a Namespace is not a Pod*"
    }

    It 'writes PathNotFound for a path that matches nothing' {
        New-KPod -Namespace $ManifestNs -Path (Join-Path $TestDrive 'none-*.yaml'), (Join-Path $TestDrive 'missing.yaml') -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 2
        $errors | ForEach-Object { $_.FullyQualifiedErrorId } | Should -Be @('PathNotFound,PodTools.Commands.NewKPodCommand', 'PathNotFound,PodTools.Commands.NewKPodCommand')
    }
}

Describe 'New-KPod from objects' {
    BeforeAll {
        $script:ObjectNs = New-TestNamespace -Cluster $Cluster -Prefix 'newkpod-objects'
        $script:CloneNs = New-TestNamespace -Cluster $Cluster -Prefix 'newkpod-clone'
    }

    It 'creates a pod from a hashtable shaped like a pod (apiVersion and kind optional)' {
        $pod = New-KPod -Namespace $ObjectNs -InputObject @{
            metadata = @{ name = 'from-hashtable'; labels = @{ src = 'hashtable' } }
            spec     = @{ containers = @(@{ name = 'c'; image = 'nginx'; ports = @(@{ containerPort = 8080 }) }) }
        }

        $pod.Name | Should -Be 'from-hashtable'
        $pod.Labels['src'] | Should -Be 'hashtable'
        $pod.Object.Spec.Containers[0].Ports[0].ContainerPort | Should -Be 8080
    }

    It 'creates a pod from ConvertFrom-Json output through the pipeline' {
        $json = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"from-json"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}'

        ($json | ConvertFrom-Json | New-KPod -Namespace $ObjectNs).Name | Should -Be 'from-json'
    }

    It 'creates a pod from YAML text through the pipeline' {
        $yaml = "apiVersion: v1`nkind: Pod`nmetadata:`n  name: from-text`nspec:`n  containers:`n  - name: c`n    image: nginx`n"

        ($yaml | New-KPod -Namespace $ObjectNs).Name | Should -Be 'from-text'
    }

    It 'clones a pod from Get-KPod into another namespace without the server''s fields' {
        $original = New-KPod -Namespace $ObjectNs -Name 'to-clone' -Image nginx -Label @{ app = 'clone' } -Wait

        $clone = $original | New-KPod -Namespace $CloneNs -Wait

        $clone.Name | Should -Be 'to-clone'
        $clone.Namespace | Should -Be $CloneNs
        $clone.Labels['app'] | Should -Be 'clone'
        $clone.Object.Metadata.Uid | Should -Not -Be $original.Object.Metadata.Uid
        $clone.Ready | Should -Be '1/1'
    }

    It 'refuses a hashtable with an unknown field, naming it, and sends nothing' {
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        New-KPod -Namespace $ObjectNs -InputObject @{ metadata = @{ name = 'typo' }; spek = @{} } -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -Be 'InvalidManifest,PodTools.Commands.NewKPodCommand'
        $errors[0].Exception.Message | Should -BeLike 'InputObject:*spek*'
        Get-PodRequest -Namespace $ObjectNs | Should -BeNullOrEmpty
    }

    It 'refuses a -Container hashtable with an unknown field, naming the entry' {
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        New-KPod -Namespace $ObjectNs -Name 'badspec' -Container @{ name = 'a'; image = 'nginx' }, @{ name = 'b'; imag = 'nginx' } -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -Be 'InvalidManifest,PodTools.Commands.NewKPodCommand'
        $errors[0].Exception.Message | Should -BeLike '-Container`[1`]:*imag*'
        Get-PodRequest -Namespace $ObjectNs | Should -BeNullOrEmpty
    }
}

Describe 'New-KPod validation and server errors' {
    BeforeAll {
        $script:ErrNs = New-TestNamespace -Cluster $Cluster -Prefix 'newkpod-errors'
        $null = New-KPod -Namespace $ErrNs -Name 'taken' -Image nginx
    }

    It 'refuses invalid names, label keys, label values, annotations and namespaces before any request' {
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        $cases = @(
            @{ Id = 'InvalidName'; Call = { New-KPod -Namespace $ErrNs -Name 'Upper_Case' -Image nginx } }
            @{ Id = 'InvalidName'; Call = { New-KPod -Namespace $ErrNs -Name ('a' * 254) -Image nginx } }
            @{ Id = 'InvalidLabelKey'; Call = { New-KPod -Namespace $ErrNs -Name 'ok' -Image nginx -Label @{ 'a/b/c' = 'x' } } }
            @{ Id = 'InvalidLabelValue'; Call = { New-KPod -Namespace $ErrNs -Name 'ok' -Image nginx -Label @{ app = ('v' * 64) } } }
            @{ Id = 'InvalidLabelKey'; Call = { New-KPod -Namespace $ErrNs -Name 'ok' -Image nginx -NodeSelector @{ '-bad' = 'x' } } }
            @{ Id = 'InvalidAnnotation'; Call = { New-KPod -Namespace $ErrNs -Name 'ok' -Image nginx -Annotation @{ 'bad key' = 'x' } } }
            @{ Id = 'InvalidName'; Call = { New-KPod -Namespace $ErrNs -Name 'ok' -Container @{ name = 'Bad_Container'; image = 'nginx' } } }
            @{ Id = 'InvalidNamespace'; Call = { New-KPod -Namespace 'Bad_Namespace' -Name 'ok' -Image nginx } }
        )
        foreach ($case in $cases) {
            $errors = @(& $case.Call 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            @($errors).Count | Should -Be 1 -Because "$($case.Call) should give one error"
            $errors[0].FullyQualifiedErrorId | Should -Be "$($case.Id),PodTools.Commands.NewKPodCommand"
        }

        Get-PodRequest -Namespace $ErrNs | Should -BeNullOrEmpty
        Get-PodRequest -Namespace 'Bad_Namespace' | Should -BeNullOrEmpty
    }

    It 'words a name error as the API server does' {
        New-KPod -Namespace $ErrNs -Name 'Upper_Case' -Image nginx -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].Exception.Message | Should -BeLike 'Pod "Upper_Case" is invalid: metadata.name: Invalid value: "Upper_Case": a lowercase RFC 1123 subdomain must consist of*'
        $errors[0].TargetObject | Should -Be 'Upper_Case'
    }

    It 'turns AlreadyExists into a PodAlreadyExists ResourceExists error' {
        New-KPod -Namespace $ErrNs -Name 'taken' -Image nginx -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -Be 'PodAlreadyExists,PodTools.Commands.NewKPodCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $errors[0].Exception.Message | Should -BeLike '*"taken" already exists*'
    }

    It 'reports NamespaceNotFound for a namespace that does not exist' {
        New-KPod -Namespace 'no-such-namespace-x' -Name 'lost' -Image nginx -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -Be 'NamespaceNotFound,PodTools.Commands.NewKPodCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'reports Forbidden for the read-only viewer context' {
        New-KPod -Context viewer -Namespace $ErrNs -Name 'not-allowed' -Image nginx -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -Be 'Forbidden,PodTools.Commands.NewKPodCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        Get-KPod -Namespace $ErrNs -Name 'not-allowed' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'creates the valid pods of a batch and writes one error per failed pod' {
        $pods = @(
            @{ metadata = @{ name = 'batch-1' }; spec = @{ containers = @(@{ name = 'c'; image = 'nginx' }) } }
            @{ metadata = @{ name = 'taken' }; spec = @{ containers = @(@{ name = 'c'; image = 'nginx' }) } }
            @{ metadata = @{ name = 'Batch_Bad' }; spec = @{ containers = @(@{ name = 'c'; image = 'nginx' }) } }
            @{ metadata = @{ name = 'batch-2' }; spec = @{ containers = @(@{ name = 'c'; image = 'nginx' }) } }
        ) | New-KPod -Namespace $ErrNs -ThrottleLimit 2 -ErrorVariable errors -ErrorAction SilentlyContinue

        $pods.Name | Sort-Object | Should -Be @('batch-1', 'batch-2')
        ($errors | ForEach-Object { $_.FullyQualifiedErrorId -replace ',.*' } | Sort-Object) | Should -Be @('InvalidName', 'PodAlreadyExists')
    }
}

Describe 'New-KPod -WhatIf' {
    BeforeAll { $script:WhatIfNs = New-TestNamespace -Cluster $Cluster -Prefix 'newkpod-whatif' }

    It 'sends only a dry-run create, shows the would-be pod on the host, and creates nothing' {
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        $output = New-KPod -Namespace $WhatIfNs -Name 'dry' -Image nginx -Label @{ app = 'dry' } -WhatIf -InformationVariable info

        $output | Should -BeNullOrEmpty
        $requests = Get-PodRequest -Namespace $WhatIfNs
        $requests.Count | Should -Be 1
        $requests[0].method | Should -Be 'POST'
        $requests[0].query | Should -Match 'dryRun=All'
        ($info.MessageData.Message -join "`n") | Should -Match "What if: .*pod 'dry' in namespace '$WhatIfNs'"
        ($info.MessageData.Message -join "`n") | Should -Match 'app: dry'
        Get-KPod -Namespace $WhatIfNs -Name dry -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'still reports server-side refusals in a dry run' {
        New-KPod -Namespace 'no-such-namespace-y' -Name 'dry' -Image nginx -WhatIf -ErrorVariable errors -ErrorAction SilentlyContinue -InformationAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -Be 'NamespaceNotFound,PodTools.Commands.NewKPodCommand'
    }
}

Describe 'New-KPod -Wait' {
    BeforeAll { $script:WaitNs = New-TestNamespace -Cluster $Cluster -Prefix 'newkpod-wait' }

    It 'returns the pod Running and Ready, watching rather than polling' {
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        $pod = New-KPod -Namespace $WaitNs -Name 'ready' -Image nginx -Wait -Timeout 60

        $pod.Status | Should -Be 'Running'
        $pod.Ready | Should -Be '1/1'
        # A watch is logged when it ends, a moment after the client dropped it.
        Wait-TestCondition -TimeoutSeconds 10 -Because 'the watch request to be logged' -Condition {
            @(Get-PodRequest -Namespace $WaitNs | Where-Object { $_.query -match 'watch=(true|1)' }).Count -ge 1
        }
        $requests = Get-PodRequest -Namespace $WaitNs
        @($requests | Where-Object { $_.method -eq 'GET' -and $_.query -notmatch 'watch=(true|1)' }).Count | Should -BeLessOrEqual 1
    }

    It 'fails with Unschedulable and the scheduler''s message when no node matches the selector' {
        New-KPod -Namespace $WaitNs -Name 'nowhere' -Image nginx -NodeSelector @{ gpu = 'true' } -Wait -Timeout 60 -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'Unschedulable,PodTools.Commands.NewKPodCommand'
        $errors[0].Exception.Message | Should -BeLike "*0/3 nodes are available*didn't match Pod's node affinity/selector*"
        $errors[0].TargetObject.Name | Should -Be 'nowhere'
        (Get-KPod -Namespace $WaitNs -Name nowhere).Status | Should -Be 'Pending'
    }

    It 'fails with ImagePullBackOff for an image that does not exist' {
        New-KPod -Namespace $WaitNs -Name 'missing-image' -Image 'nginx:missing' -Wait -Timeout 60 -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors[0].FullyQualifiedErrorId | Should -Be 'ImagePullBackOff,PodTools.Commands.NewKPodCommand'
        $errors[0].Exception.Message | Should -BeLike '*nginx:missing*'
    }

    It 'fails with CrashLoopBackOff for a container that keeps crashing' {
        # An init container: an app container that crashes is Running and Ready for a moment, which ends a wait.
        New-KPod -Namespace $WaitNs -Wait -Timeout 60 -ErrorVariable errors -ErrorAction SilentlyContinue -InputObject @{
            metadata = @{ name = 'crashing' }
            spec     = @{ initContainers = @(@{ name = 'setup'; image = 'busybox:crash' }); containers = @(@{ name = 'c'; image = 'nginx' }) }
        }

        $errors[0].FullyQualifiedErrorId | Should -Be 'CrashLoopBackOff,PodTools.Commands.NewKPodCommand'
    }

    It 'gives up with WaitTimeout after -Timeout' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        New-KPod -Namespace $WaitNs -Name 'slow' -Image 'nginx:slow' -Wait -Timeout 1 -ErrorVariable errors -ErrorAction SilentlyContinue
        $clock.Stop()

        $errors[0].FullyQualifiedErrorId | Should -Be 'WaitTimeout,PodTools.Commands.NewKPodCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
    }

    It 'waits for several pods at once and reports progress' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module, $Kubeconfig, $Namespace)
                    Import-Module $Module
                    1..3 | ForEach-Object { @{ metadata = @{ name = "many-$_" }; spec = @{ containers = @(@{ name = 'c'; image = 'nginx' }) } } } |
                        New-KPod -Kubeconfig $Kubeconfig -Namespace $Namespace -Wait -ThrottleLimit 3
                }).AddArgument((Get-TestModulePath)).AddArgument($Cluster.Kubeconfig).AddArgument($WaitNs)
            $pods = $ps.Invoke()

            $ps.Streams.Error | Should -BeNullOrEmpty
            $pods.Name | Sort-Object | Should -Be @('many-1', 'many-2', 'many-3')
            $pods.Ready | Should -Be @('1/1', '1/1', '1/1')
            @($ps.Streams.Progress | Where-Object StatusDescription -Like '3 of 3*').Count | Should -BeGreaterOrEqual 1
        }
        finally { $ps.Dispose() }
    }
}

Describe 'New-KPod with pipeline input' {
    BeforeAll {
        $script:StreamNs = New-TestNamespace -Cluster $Cluster -Prefix 'newkpod-stream'
        # A first create in a fresh session pays for connection set-up and JIT; keep that out of the timing below.
        $null = New-KPod -Namespace $StreamNs -Name 'warm-up' -Image nginx
    }

    It 'emits created pods while the pipeline still delivers input' {
        $log = [System.Collections.Generic.List[string]]::new()
        & {
            foreach ($n in 1..3) {
                $log.Add("in-$n")
                @{ metadata = @{ name = "stream-$n" }; spec = @{ containers = @(@{ name = 'c'; image = 'nginx' }) } }
                Start-Sleep -Milliseconds 800
            }
        } | New-KPod -Namespace $StreamNs | ForEach-Object { $log.Add("out-$($_.Name)") }

        @($log | Where-Object { $_ -like 'out-*' }).Count | Should -Be 3
        $log.IndexOf('out-stream-1') | Should -BeLessThan $log.IndexOf('in-3') -Because 'the first pod is written before the last input arrives'
    }
}
