#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# ConvertTo-KYaml and ConvertTo-KJson: kubectl's -o yaml / -o json text, -Clean for re-creation, and the round trip
# of a pod created by kubectl through Get-KPod | ConvertTo-KYaml -Clean into New-KPod and kubectl create -f.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'convert'
    $script:Kubectl = (Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source

    function script:Invoke-Kubectl {
        $output = & $Kubectl --kubeconfig $Cluster.Kubeconfig @args 2>&1
        if ($LASTEXITCODE -ne 0) { throw "kubectl $args failed: $output" }
        $output
    }

    function script:Remove-NullField {
        <#
        kubectl prints the server's JSON as it is, explicit nulls included (conditions[].lastProbeTime: null); PodTools
        holds the typed object, where a null field is simply absent. Drop null fields from kubectl's text to compare.
        #>
        param([string[]] $Lines, [switch] $Json)
        $out = [System.Collections.Generic.List[string]]::new()
        $dashIndent = $null
        foreach ($line in $Lines) {
            if ($Json) {
                if ($line -match '^\s*"[^"]+": null,?$') { continue }
                $out.Add($line)
                continue
            }
            if ($line -match '^(\s*)(- )?[^:\s]+: null$') {
                if ($Matches[2]) { $dashIndent = $Matches[1] }
                continue
            }
            if ($null -ne $dashIndent) {
                # The null was the first key of a list item: the next key starts the item now.
                $line = $dashIndent + '- ' + $line.Substring($dashIndent.Length + 2)
                $dashIndent = $null
            }
            $out.Add($line)
        }
        ($out -join "`n").TrimEnd("`n")
    }

    $null = New-KPod -Namespace $Ns -Name 'one' -Image 'nginx:1.27' -Label @{ app = 'convert' } -Port 80 -Wait
    $null = New-KPod -Namespace $Ns -Name 'two' -Image 'busybox' -Label @{ app = 'convert' } -Wait
    # Let the kubelet's last status write land so both reads below see the same resourceVersion.
    Start-Sleep -Milliseconds 500
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'ConvertTo-KYaml' {
    It 'prints a pod as kubectl get -o yaml does (explicit nulls aside)' {
        if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        $ours = Get-KPod -Namespace $Ns -Name one | ConvertTo-KYaml
        $theirs = Remove-NullField (Invoke-Kubectl -n $Ns get pod one -o yaml)

        $ours | Should -BeOfType [string]
        $ours | Should -Be $theirs
    }

    It 'accepts the raw Kubernetes object as well as the PodTools pod' {
        $pod = Get-KPod -Namespace $Ns -Name one

        ConvertTo-KYaml -InputObject $pod.Object | Should -Be ($pod | ConvertTo-KYaml)
    }

    It 'writes several pods as one List, as kubectl does' {
        $text = Get-KPod -Namespace $Ns -Name one, two | ConvertTo-KYaml
        $lines = $text -split "`n"

        @($text).Count | Should -Be 1
        $lines[0] | Should -Be 'apiVersion: v1'
        $lines[1] | Should -Be 'items:'
        @($lines | Where-Object { $_ -eq '- apiVersion: v1' }).Count | Should -Be 2
        $lines[-3..-1] | Should -Be @('kind: List', 'metadata:', '  resourceVersion: ""')
        if ($Kubectl) {
            $text | Should -Be (Remove-NullField (Invoke-Kubectl -n $Ns get pod one two -o yaml))
        }
    }

    It 'leaves out status and server-set metadata with -Clean' {
        $text = Get-KPod -Namespace $Ns -Name one | ConvertTo-KYaml -Clean

        $text | Should -Not -Match '(?m)^status:'
        foreach ($field in 'managedFields', 'uid', 'resourceVersion', 'creationTimestamp', 'namespace', 'nodeName') {
            $text | Should -Not -Match "(?m)^\s+$field`:" -Because "-Clean drops $field"
        }
        $text | Should -Match '(?m)^  name: one$'
        $text | Should -Match '(?m)^    app: convert$'
        $text | Should -Match '(?m)^  - image: nginx:1.27$'
    }

    It 'writes a non-terminating InputNotAPod error for other input and converts the pods' {
        $text = @('not a pod', (Get-KPod -Namespace $Ns -Name one)) | ConvertTo-KYaml -ErrorVariable errors -ErrorAction SilentlyContinue

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'InputNotAPod,PodTools.Commands.ConvertToKYamlCommand'
        $text | Should -Match '(?m)^kind: Pod$'
    }
}

Describe 'ConvertTo-KJson' {
    It 'prints a pod as kubectl get -o json does (explicit nulls aside)' {
        if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        $ours = Get-KPod -Namespace $Ns -Name one | ConvertTo-KJson
        $theirs = Remove-NullField -Json (Invoke-Kubectl -n $Ns get pod one -o json)

        $ours | Should -Be $theirs
    }

    It 'writes several pods as one List that parses back' {
        $list = Get-KPod -Namespace $Ns -Name one, two | ConvertTo-KJson | ConvertFrom-Json

        $list.kind | Should -Be 'List'
        $list.items.metadata.name | Should -Be @('one', 'two')
        if ($Kubectl) {
            (Get-KPod -Namespace $Ns -Name one, two | ConvertTo-KJson) |
                Should -Be (Remove-NullField -Json (Invoke-Kubectl -n $Ns get pod one two -o json))
        }
    }

    It 'leaves out status and server-set metadata with -Clean' {
        $pod = Get-KPod -Namespace $Ns -Name one | ConvertTo-KJson -Clean | ConvertFrom-Json

        $pod.PSObject.Properties.Name | Should -Not -Contain 'status'
        $pod.metadata.PSObject.Properties.Name | Should -Not -Contain 'uid'
        $pod.metadata.PSObject.Properties.Name | Should -Not -Contain 'resourceVersion'
        $pod.metadata.PSObject.Properties.Name | Should -Not -Contain 'creationTimestamp'
        $pod.metadata.PSObject.Properties.Name | Should -Not -Contain 'managedFields'
        $pod.metadata.name | Should -Be 'one'
    }
}

Describe 'Round trip of a pod created by kubectl' {
    BeforeAll {
        $script:TargetNs = New-TestNamespace -Cluster $Cluster -Prefix 'convert-copy'
        $script:KubectlNs = New-TestNamespace -Cluster $Cluster -Prefix 'convert-kubectl'
        $script:Source = Join-Path $TestDrive 'source.yaml'
        Set-Content $Source @"
apiVersion: v1
kind: Pod
metadata:
  name: roundtrip
  labels:
    app: roundtrip
  annotations:
    example.com/note: from kubectl
spec:
  nodeSelector:
    kubernetes.io/hostname: worker001
  containers:
  - name: web
    image: nginx:1.27
    ports:
    - containerPort: 80
    env:
    - name: MODE
      value: copy
  - name: sidecar
    image: busybox
    command: ["sleep", "3600"]
"@
    }

    It 'recreates the pod with New-KPod in another namespace from Get-KPod | ConvertTo-KYaml -Clean' {
        if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        $null = Invoke-Kubectl -n $Ns create -f $Source
        Wait-TestCondition -Because 'the kubectl pod to run' -Condition { (Get-KPod -Namespace $Ns -Name roundtrip).Ready -eq '2/2' }
        $copy = Join-Path $TestDrive 'copy.yaml'
        Get-KPod -Namespace $Ns -Name roundtrip | ConvertTo-KYaml -Clean | Set-Content $copy

        $pod = New-KPod -Path $copy -Namespace $TargetNs -Wait

        $pod.Namespace | Should -Be $TargetNs
        $pod.Ready | Should -Be '2/2'
        $original = Invoke-Kubectl -n $Ns get pod roundtrip -o json | Out-String | ConvertFrom-Json
        $recreated = Invoke-Kubectl -n $TargetNs get pod roundtrip -o json | Out-String | ConvertFrom-Json
        $recreated.metadata.labels.app | Should -Be $original.metadata.labels.app
        $recreated.metadata.annotations.'example.com/note' | Should -Be 'from kubectl'
        $recreated.spec.nodeSelector.'kubernetes.io/hostname' | Should -Be 'worker001'
        $recreated.spec.nodeName | Should -Be 'worker001'
        ($recreated.spec.containers | ConvertTo-Json -Depth 10 -Compress) | Should -Be ($original.spec.containers | ConvertTo-Json -Depth 10 -Compress)
        $recreated.metadata.uid | Should -Not -Be $original.metadata.uid
    }

    It 'gives YAML that kubectl create -f accepts in another namespace' {
        if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        $copy = Join-Path $TestDrive 'copy-for-kubectl.yaml'
        Get-KPod -Namespace $Ns -Name roundtrip | ConvertTo-KYaml -Clean | Set-Content $copy

        $null = Invoke-Kubectl -n $KubectlNs create -f $copy

        $pod = Get-KPod -Namespace $KubectlNs -Name roundtrip
        $pod.Containers.Name | Should -Be @('web', 'sidecar')
        $pod.Labels['app'] | Should -Be 'roundtrip'
    }

    It 'gives JSON that kubectl create -f accepts as well' {
        if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        $copy = Join-Path $TestDrive 'copy.json'
        Get-KPod -Namespace $Ns -Name roundtrip | ConvertTo-KJson -Clean | Set-Content $copy
        $jsonNs = New-TestNamespace -Cluster $Cluster -Prefix 'convert-json'

        $null = Invoke-Kubectl -n $jsonNs create -f $copy

        (Get-KPod -Namespace $jsonNs -Name roundtrip).Containers.Image | Should -Be @('nginx:1.27', 'busybox')
    }
}
