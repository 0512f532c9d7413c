#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Set-KNodeLabel on a private test cluster (node labels are cluster-wide; other files share the shared cluster's nodes).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Start-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1

    function Get-NodeLabels([string] $Name) {
        $node = Invoke-TestClusterApi -Cluster $Cluster -Method GET -Path "/api/v1/nodes/$Name"
        $map = @{}
        if ($node.metadata.PSObject.Properties['labels']) { foreach ($p in $node.metadata.labels.PSObject.Properties) { $map[$p.Name] = $p.Value } }
        $map
    }
    $script:Original = @{ worker001 = Get-NodeLabels worker001; worker002 = Get-NodeLabels worker002; master001 = Get-NodeLabels master001 }
}

AfterAll {
    # Put every node back as it was, even on a private cluster: the test must not rely on being alone.
    foreach ($name in $Original.Keys) {
        $now = Get-NodeLabels $name
        $drop = @($now.Keys | Where-Object { -not $Original[$name].ContainsKey($_) })
        if ($drop) { Set-KNodeLabel -Name $name -Remove $drop -ErrorAction SilentlyContinue }
    }
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    if ($Cluster) { $Cluster | Stop-TestCluster }
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Set-KNodeLabel' {
    It 'labels a node and writes it with -PassThru' {
        $out = Set-KNodeLabel -Name worker001 @{ gpu = 'true' } -PassThru

        $out.GetType().FullName | Should -Be 'PodTools.Engine.Model.KNode'
        $out.Labels['gpu'] | Should -Be 'true'
        (Get-NodeLabels worker001)['gpu'] | Should -Be 'true'
        (Get-NodeLabels worker002).ContainsKey('gpu') | Should -BeFalse
    }

    It 'refuses to overwrite without -Overwrite, then overwrites' {
        Set-KNodeLabel -Name worker001 @{ gpu = 'false' } -ErrorVariable refused -ErrorAction SilentlyContinue

        $refused[0].FullyQualifiedErrorId | Should -BeLike 'LabelExists,*'
        $refused[0].Exception.Message | Should -Be "node 'worker001': 'gpu' already has a value (true), and --overwrite is false"
        (Get-NodeLabels worker001)['gpu'] | Should -Be 'true'

        Set-KNodeLabel -Name worker001 @{ gpu = 'false' } -Overwrite -ErrorAction Stop
        (Get-NodeLabels worker001)['gpu'] | Should -Be 'false'
    }

    It 'labels nodes chosen by wildcard and removes the label again' {
        Set-KNodeLabel -Name 'worker*' @{ pool = 'blue' } -ErrorAction Stop
        (Get-NodeLabels worker001)['pool'] | Should -Be 'blue'
        (Get-NodeLabels worker002)['pool'] | Should -Be 'blue'
        (Get-NodeLabels master001).ContainsKey('pool') | Should -BeFalse

        Set-KNodeLabel -Name 'worker*' -Remove pool -ErrorAction Stop
        (Get-NodeLabels worker001).ContainsKey('pool') | Should -BeFalse
        'worker002' | Set-KNodeLabel @{ gpu = $null } -ErrorAction Stop
    }

    It 'chooses nodes with set-based selectors exactly as kubectl does' -TestCases @(
        @{ Selector = 'node-role.kubernetes.io/control-plane' }
        @{ Selector = '!node-role.kubernetes.io/control-plane' }
        @{ Selector = 'kubernetes.io/hostname in (worker001,master001)' }
        @{ Selector = 'kubernetes.io/hostname notin (worker001)' }
    ) {
        $key = 'sel-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Set-KNodeLabel -Selector $Selector @{ $key = 'yes' } -ErrorAction Stop
        $ours = @('master001', 'worker001', 'worker002' | Where-Object { (Get-NodeLabels $_)[$key] -eq 'yes' })
        try {
            $ours.Count | Should -BeGreaterThan 0
            if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
            $theirs = @(& $Kubectl --kubeconfig $Cluster.Kubeconfig get nodes -l $Selector -o name | ForEach-Object { $_ -replace '^node/' } | Sort-Object)
            $ours | Sort-Object | Should -Be $theirs
        }
        finally {
            Set-KNodeLabel -All -Remove $key -ErrorAction SilentlyContinue
        }
    }

    It 'writes NodeNotFound for a missing node' {
        Set-KNodeLabel -Name no-such-node @{ a = 'b' } -ErrorVariable missing -ErrorAction SilentlyContinue

        $missing[0].FullyQualifiedErrorId | Should -BeLike 'NodeNotFound,*'
    }

    It 'changes nothing with -WhatIf' {
        $null = Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        Set-KNodeLabel -Name worker002 @{ whatif = 'yes' } -WhatIf

        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests | Where-Object { $_.method -ne 'GET' }) | Should -BeNullOrEmpty
        (Get-NodeLabels worker002).ContainsKey('whatif') | Should -BeFalse
    }

    It 'agrees with kubectl get nodes --show-labels' {
        if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        Set-KNodeLabel -Name worker002 @{ zone = 'b' } -ErrorAction Stop

        $line = & $Kubectl --kubeconfig $Cluster.Kubeconfig get nodes worker002 --show-labels --no-headers

        ($line -split '\s+')[-1] -split ',' | Should -Contain 'zone=b'
        Set-KNodeLabel -Name worker002 -Remove zone -ErrorAction Stop
    }
}
