#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# ConvertTo-KSelector: hashtables to canonical selector text, validated; the text selects what kubectl selects.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
}

AfterAll {
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'ConvertTo-KSelector' {
    It 'turns <Name> into <Expected>' -TestCases @(
        @{ Name = 'one equality'; Map = @{ app = 'web' }; Expected = 'app=web' }
        @{ Name = 'equalities in key order'; Map = @{ env = 'prod'; app = 'web' }; Expected = 'app=web,env=prod' }
        @{ Name = 'an array'; Map = @{ env = 'prod', 'dev' }; Expected = 'env in (dev,prod)' }
        @{ Name = 'a $null value'; Map = @{ canary = $null }; Expected = 'canary' }
        @{ Name = 'a prefixed key and an empty value'; Map = @{ 'example.com/tier' = '' }; Expected = 'example.com/tier=' }
        @{ Name = 'a number'; Map = @{ replicas = 3 }; Expected = 'replicas=3' }
        @{ Name = 'an empty hashtable'; Map = @{}; Expected = '' }
    ) {
        ConvertTo-KSelector $Map | Should -BeExactly $Expected
    }

    It 'takes hashtables from the pipeline' {
        @{ a = '1' }, @{ b = '2' } | ConvertTo-KSelector | Should -Be @('a=1', 'b=2')
    }

    It 'rejects <Name> with <Id>' -TestCases @(
        @{ Name = 'a key with a space'; Map = @{ 'bad key' = 'x' }; Id = 'InvalidLabelKey' }
        @{ Name = 'a value too long'; Map = @{ k = 'v' * 64 }; Id = 'InvalidLabelValue' }
        @{ Name = 'a value with a comma'; Map = @{ k = 'a,b' }; Id = 'InvalidLabelValue' }
        @{ Name = 'an empty value list'; Map = @{ k = @() }; Id = 'EmptyValueList' }
    ) {
        ConvertTo-KSelector $Map -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
    }

    It 'makes selectors that choose the same pods through Get-KPod and kubectl' {
        $cluster = Get-TestCluster
        $ns = New-TestNamespace -Cluster $cluster -Prefix 'selector'
        $null = New-TestPod -Cluster $cluster -Namespace $ns -Name 'p1' -Labels @{ app = 'web'; env = 'dev' }
        $null = New-TestPod -Cluster $cluster -Namespace $ns -Name 'p2' -Labels @{ app = 'web'; env = 'prod' }
        $null = New-TestPod -Cluster $cluster -Namespace $ns -Name 'p3' -Labels @{ app = 'db'; env = 'prod'; canary = 'true' }
        $selector = ConvertTo-KSelector @{ env = 'prod', 'test'; canary = $null }

        $ours = (Get-KPod -Kubeconfig $cluster.Kubeconfig -Namespace $ns -Selector $selector).Name
        $ours | Should -Be @('p3')
        $kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        & $kubectl --kubeconfig $cluster.Kubeconfig get pods -n $ns -l $selector -o name | Should -Be 'pod/p3'
    }
}
