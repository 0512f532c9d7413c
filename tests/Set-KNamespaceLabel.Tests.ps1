#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Set-KNamespaceLabel against the test cluster.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $script:NsA = New-TestNamespace -Cluster $Cluster -Prefix 'nslabel'
    $script:NsB = New-TestNamespace -Cluster $Cluster -Prefix 'nslabel'

    function Get-NamespaceLabels([string] $Name) {
        $ns = Invoke-TestClusterApi -Cluster $Cluster -Method GET -Path "/api/v1/namespaces/$Name"
        $map = @{}
        if ($ns.metadata.PSObject.Properties['labels']) { foreach ($p in $ns.metadata.labels.PSObject.Properties) { $map[$p.Name] = $p.Value } }
        $map
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Set-KNamespaceLabel' {
    It 'adds a label to named namespaces and writes them with -PassThru' {
        $out = Set-KNamespaceLabel -Name $NsA, $NsB @{ team = 'checkout' } -PassThru

        @($out).Count | Should -Be 2
        $out[0].GetType().FullName | Should -Be 'PodTools.Engine.Model.KNamespace'
        (Get-NamespaceLabels $NsA)['team'] | Should -Be 'checkout'
        (Get-NamespaceLabels $NsB)['team'] | Should -Be 'checkout'
    }

    It 'refuses to overwrite without -Overwrite, then overwrites' {
        Set-KNamespaceLabel -Name $NsA @{ tier = 'gold' } -ErrorAction Stop

        Set-KNamespaceLabel -Name $NsA @{ tier = 'silver' } -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'LabelExists,*'
        $refused[0].Exception.Message | Should -BeLike "namespace '$NsA': 'tier' already has a value (gold), and --overwrite is false"

        Set-KNamespaceLabel -Name $NsA @{ tier = 'silver' } -Overwrite -ErrorAction Stop
        (Get-NamespaceLabels $NsA)['tier'] | Should -Be 'silver'
    }

    It 'removes a label with -Remove and with a $null value' {
        Set-KNamespaceLabel -Name $NsB @{ a = '1'; b = '2' } -ErrorAction Stop

        Set-KNamespaceLabel -Name $NsB -Remove a -ErrorAction Stop
        $NsB | Set-KNamespaceLabel @{ b = $null } -ErrorAction Stop

        $labels = Get-NamespaceLabels $NsB
        $labels.ContainsKey('a') | Should -BeFalse
        $labels.ContainsKey('b') | Should -BeFalse
    }

    It 'chooses namespaces by selector, as kubectl does' {
        Set-KNamespaceLabel -Name $NsA @{ pick = 'me' } -ErrorAction Stop

        $out = Set-KNamespaceLabel -Selector 'pick in (me)' @{ picked = 'yes' } -PassThru

        $out.Name | Should -Be $NsA
        if ($Kubectl) {
            & $Kubectl --kubeconfig $Cluster.Kubeconfig get namespaces -l picked=yes -o name | Should -Be "namespace/$NsA"
        }
    }

    It 'writes NamespaceNotFound for a missing namespace' {
        Set-KNamespaceLabel -Name 'no-such-namespace-x' @{ a = 'b' } -ErrorVariable missing -ErrorAction SilentlyContinue

        $missing[0].FullyQualifiedErrorId | Should -BeLike 'NamespaceNotFound,*'
    }

    It 'changes nothing with -WhatIf' {
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        Set-KNamespaceLabel -Name $NsA @{ whatif = 'yes' } -WhatIf

        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object { $_.method -ne 'GET' }) | Should -BeNullOrEmpty
        (Get-NamespaceLabels $NsA).ContainsKey('whatif') | Should -BeFalse
    }
}
