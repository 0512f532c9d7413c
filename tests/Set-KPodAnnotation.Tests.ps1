#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Set-KPodAnnotation against the test cluster: add, overwrite, remove, the 256 KiB limit, -WhatIf, kubectl agreement.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'setannot'
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'web-1' -Labels @{ app = 'web' }
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'web-2' -Labels @{ app = 'web' }

    function Get-Annotations([string] $Name) {
        $pod = Get-KPod -Namespace $Ns -Name $Name
        $map = @{}
        if ($pod.Object.Metadata.Annotations) { foreach ($key in $pod.Object.Metadata.Annotations.Keys) { $map[$key] = $pod.Object.Metadata.Annotations[$key] } }
        $map
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Set-KPodAnnotation' {
    It 'adds annotations with free-text values to the pods of a selector' {
        $out = Get-KPod -Namespace $Ns -Selector app=web | Set-KPodAnnotation @{ 'example.com/note' = 'Hello, world: {"a": 1}' } -PassThru

        $out.Count | Should -Be 2
        (Get-Annotations 'web-1')['example.com/note'] | Should -Be 'Hello, world: {"a": 1}'
        (Get-Annotations 'web-2')['example.com/note'] | Should -Be 'Hello, world: {"a": 1}'
    }

    It 'refuses to change an existing annotation without -Overwrite, then changes it with -Overwrite' {
        Set-KPodAnnotation -Namespace $Ns -Name web-1 @{ owner = 'team-a' } -ErrorAction Stop

        Set-KPodAnnotation -Namespace $Ns -Name web-1 @{ owner = 'team-b' } -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'AnnotationExists,*'
        $refused[0].Exception.Message | Should -BeLike "*'owner' already has a value (team-a), and --overwrite is false"
        (Get-Annotations 'web-1')['owner'] | Should -Be 'team-a'

        Set-KPodAnnotation -Namespace $Ns -Name web-1 @{ owner = 'team-b' } -Overwrite -ErrorAction Stop
        (Get-Annotations 'web-1')['owner'] | Should -Be 'team-b'
    }

    It 'removes annotations by $null value and by -Remove' {
        Set-KPodAnnotation -Namespace $Ns -Name web-2 @{ one = '1'; two = '2'; three = '3' } -ErrorAction Stop

        Set-KPodAnnotation -Namespace $Ns -Name web-2 @{ one = $null } -Remove two -ErrorAction Stop

        $annotations = Get-Annotations 'web-2'
        $annotations.ContainsKey('one') | Should -BeFalse
        $annotations.ContainsKey('two') | Should -BeFalse
        $annotations['three'] | Should -Be '3'
    }

    It 'refuses annotations over 256 KiB in total before any request' {
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests
        $big = 'x' * (256 * 1024)

        { Set-KPodAnnotation -Namespace $Ns -Name web-1 @{ big = $big } } | Should -Throw -ErrorId 'InvalidAnnotationChange,*'

        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object { $_.path -like "*$Ns*" }) | Should -BeNullOrEmpty
    }

    It 'refuses a change that would push a pipeline pod over 256 KiB, and the server agrees for a named pod' {
        $half = 'y' * (150 * 1024)
        Set-KPodAnnotation -Namespace $Ns -Name web-2 @{ half = $half } -ErrorAction Stop

        Get-KPod -Namespace $Ns -Name web-2 | Set-KPodAnnotation @{ other = $half } -ErrorVariable tooBig -ErrorAction SilentlyContinue
        $tooBig[0].FullyQualifiedErrorId | Should -BeLike 'Invalid,*'
        $tooBig[0].Exception.Message | Should -BeLike '*Too long: must have at most 262144 bytes*'

        Set-KPodAnnotation -Namespace $Ns -Name web-2 @{ other = $half } -Overwrite -ErrorVariable serverSaid -ErrorAction SilentlyContinue
        $serverSaid[0].FullyQualifiedErrorId | Should -BeLike 'Invalid,*'
        (Get-Annotations 'web-2').ContainsKey('other') | Should -BeFalse
        Set-KPodAnnotation -Namespace $Ns -Name web-2 -Remove half -ErrorAction Stop
    }

    It 'rejects an invalid annotation key before any request' {
        { Set-KPodAnnotation -Namespace $Ns -Name web-1 @{ 'bad key' = 'x' } } | Should -Throw -ErrorId 'InvalidAnnotationKey,*'
    }

    It 'changes nothing with -WhatIf' {
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        Get-KPod -Namespace $Ns | Set-KPodAnnotation @{ whatif = 'yes' } -WhatIf

        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object { $_.method -ne 'GET' -and $_.path -like "*$Ns*" }) | Should -BeNullOrEmpty
        (Get-Annotations 'web-1').ContainsKey('whatif') | Should -BeFalse
    }

    It 'writes annotations kubectl reads the same' {
        if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        Set-KPodAnnotation -Namespace $Ns -Name web-1 @{ 'example.com/build' = '42' } -ErrorAction Stop

        $value = & $Kubectl --kubeconfig $Cluster.Kubeconfig get pod -n $Ns web-1 -o 'jsonpath={.metadata.annotations.example\.com/build}'

        $value | Should -Be '42'
    }
}
