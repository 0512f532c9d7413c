#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Get-KNode against the test cluster: kubectl's STATUS and ROLES columns, the Wide and Labels views, names,
# selectors, and agreement with `kubectl get nodes -o wide`.

BeforeDiscovery {
    $script:HasKubectl = [bool] (Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue)
    if (-not $HasKubectl) { Write-Host 'kubectl is not on PATH: the kubectl cross-checks of Get-KNode.Tests.ps1 are skipped.' -ForegroundColor Yellow }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig

    function script:Get-Header([string] $Text) {
        (($Text -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 1).Trim() -split '\s+') -join ' '
    }

    # A node that is NotReady and cordoned, with both kinds of role label and an external address. Not being Ready,
    # it carries the not-ready taint, so the scheduler never puts another test file's pods on it.
    $script:OddNode = 'knodetest-{0}' -f [guid]::NewGuid().ToString('N').Substring(0, 6)
    $null = Invoke-TestClusterApi -Cluster $Cluster -Method POST -Path '/api/v1/nodes' -Body @{
        apiVersion = 'v1'; kind = 'Node'
        metadata   = @{ name = $OddNode; labels = @{ 'kubernetes.io/role' = 'infra'; 'node-role.kubernetes.io/edge' = ''; 'knodetest' = 'odd' } }
        spec       = @{ unschedulable = $true }
    }
    $node = Invoke-TestClusterApi -Cluster $Cluster -Method GET -Path "/api/v1/nodes/$OddNode"
    $node | Add-Member -Force -NotePropertyName status -NotePropertyValue @{
        conditions = @(@{ type = 'Ready'; status = 'False'; reason = 'KubeletNotReady'; message = 'container runtime is down' })
        addresses  = @(@{ type = 'InternalIP'; address = '10.0.0.99' }, @{ type = 'ExternalIP'; address = '203.0.113.9' })
        nodeInfo   = @{ kubeletVersion = 'v1.31.2'; osImage = 'Flatcar 4081'; kernelVersion = '6.6.0'; containerRuntimeVersion = 'cri-o://1.31.0'
            machineID = 'm'; systemUUID = 's'; bootID = 'b'; kubeProxyVersion = 'v1.31.2'; operatingSystem = 'linux'; architecture = 'amd64' }
    }
    $null = Invoke-TestClusterApi -Cluster $Cluster -Method PUT -Path "/api/v1/nodes/$OddNode/status" -Body $node
}

AfterAll {
    try { $null = Invoke-TestClusterApi -Cluster $Cluster -Method DELETE -Path "/api/v1/nodes/$OddNode" } catch { }
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Get-KNode' {
    It 'lists the three nodes of the test cluster, Ready, with the control-plane role on master001' {
        $nodes = Get-KNode -Name 'master001', 'worker001', 'worker002'

        $nodes.Name | Should -Be @('master001', 'worker001', 'worker002')
        $nodes.Status | Should -Be @('Ready', 'Ready', 'Ready')
        $nodes.RolesText | Should -Be @('control-plane', '<none>', '<none>')
        $nodes[0].Roles | Should -Be @('control-plane')
        $nodes[0].GetType().FullName | Should -Be 'PodTools.Engine.Model.KNode'
        $nodes[0].Version | Should -Match '^v\d+\.\d+\.\d+'
        $nodes[0].Object.Metadata.Name | Should -Be 'master001'
    }

    It 'shows NotReady,SchedulingDisabled and roles from both role labels for a cordoned node that is not ready' {
        $node = Get-KNode -Name $OddNode

        $node.Status | Should -Be 'NotReady,SchedulingDisabled'
        $node.IsReady | Should -BeFalse
        $node.Unschedulable | Should -BeTrue
        $node.Roles | Should -Be @('edge', 'infra')
        $node.RolesText | Should -Be 'edge,infra'
        $node.ExternalIP | Should -Be '203.0.113.9'
    }

    It 'prints NAME STATUS ROLES AGE VERSION by default' {
        Get-Header (Get-KNode | Format-Table | Out-String -Width 300) | Should -Be 'NAME STATUS ROLES AGE VERSION'
    }

    It 'has a Wide view with the addresses, OS image, kernel and container runtime' {
        $text = Get-KNode -Name worker001 | Format-Table -View Wide | Out-String -Width 400

        Get-Header $text | Should -Be 'NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME'
        $node = Get-KNode -Name worker001
        $node.InternalIP | Should -Be '10.0.0.11'
        $node.ExternalIP | Should -BeNullOrEmpty
        $text | Should -Match ([regex]::Escape($node.OSImage))
        $text | Should -Match ([regex]::Escape($node.ContainerRuntime))
    }

    It 'has a Labels view like --show-labels' {
        $text = Get-KNode -Name worker002 | Format-Table -View Labels -Wrap | Out-String -Width 400

        Get-Header $text | Should -Be 'NAME STATUS ROLES AGE VERSION LABELS'
        $text | Should -Match 'kubernetes\.io/hostname=worker002'
    }

    It 'matches wildcards client-side and reports a missing exact name as NodeNotFound' {
        (Get-KNode -Name 'worker*').Name | Should -Be @('worker001', 'worker002')

        $found = Get-KNode -Name 'worker001', 'no-such-node' -ErrorVariable errors -ErrorAction SilentlyContinue

        $found.Name | Should -Be 'worker001'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'NodeNotFound,PodTools.Commands.GetKNodeCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'takes names from the pipeline by value and by property name' {
        ('worker002', 'master001' | Get-KNode).Name | Should -Be @('worker002', 'master001')
        (Get-KNode -Name 'worker*' | Get-KNode).Name | Should -Be @('worker001', 'worker002')
    }

    It 'selects nodes by label on the server' {
        (Get-KNode -Selector 'node-role.kubernetes.io/control-plane').Name | Should -Be 'master001'
        (Get-KNode -Selector 'knodetest=odd').Name | Should -Be $OddNode
        (Get-KNode -Selector '!node-role.kubernetes.io/control-plane,!knodetest').Name | Should -Contain 'worker001'
    }

    It 'refuses a malformed selector before sending any request' {
        Invoke-TestClusterControl -Cluster $Cluster -Method DELETE -Endpoint requests

        { Get-KNode -Selector 'gpu in (true' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidSelector,PodTools.Commands.GetKNodeCommand'
        @(Invoke-TestClusterControl -Cluster $Cluster -Method GET -Endpoint requests).Count | Should -Be 0
    }

    It 'lets the read-only viewer list nodes' {
        (Get-KNode -Context viewer -Name master001).Name | Should -Be 'master001'
    }

    It 'completes node names' {
        $line = "Get-KNode -Kubeconfig '$($Cluster.Kubeconfig)' -Name work"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('worker001', 'worker002')
    }
}

Describe 'kubectl get nodes -o wide agrees with Get-KNode' -Skip:(-not $HasKubectl) {
    It 'prints the same NAME STATUS ROLES VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME for every node' {
        $lines = & kubectl --kubeconfig $Cluster.Kubeconfig get nodes -o wide 2>&1
        $LASTEXITCODE | Should -Be 0
        # Columns are cut at the header's offsets: OS-IMAGE holds spaces.
        $header = $lines[0]
        $columns = 'NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'
        $starts = $columns | ForEach-Object { $header.IndexOf($_) }
        $kubectl = foreach ($line in $lines | Select-Object -Skip 1 | Where-Object { $_.Trim() }) {
            $cells = for ($i = 0; $i -lt $columns.Count; $i++) {
                $end = if ($i + 1 -lt $columns.Count) { $starts[$i + 1] } else { $line.Length }
                $line.Substring($starts[$i], [Math]::Min($end, $line.Length) - $starts[$i]).Trim()
            }
            $cells = @($cells)
            ($cells[0, 1, 2, 4, 5, 6, 7, 8, 9]) -join '|'
        }

        $none = { param($v) if ($v) { $v } else { '<none>' } }
        $unknown = { param($v) if ($v) { $v } else { '<unknown>' } }
        $ours = Get-KNode | ForEach-Object {
            @($_.Name, $_.Status, $_.RolesText, $_.Version, (& $none $_.InternalIP), (& $none $_.ExternalIP),
                (& $unknown $_.OSImage), (& $unknown $_.KernelVersion), (& $unknown $_.ContainerRuntime)) -join '|'
        }

        ($ours | Sort-Object) | Should -Be ($kubectl | Sort-Object)
        $ours | Should -Contain "$OddNode|NotReady,SchedulingDisabled|edge,infra|v1.31.2|10.0.0.99|203.0.113.9|Flatcar 4081|6.6.0|cri-o://1.31.0"
    }
}
