#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Get-KPodContainer: one object per container and init container, from the pipeline or by name, with its view.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'podcontainer'
    $script:Kubectl = (Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source

    $null = New-KPod -Namespace $Ns -Wait -InputObject @{
        metadata = @{ name = 'web-1' }
        spec     = @{
            initContainers = @(@{ name = 'setup'; image = 'busybox:exit0' })
            containers     = @(
                @{ name = 'web'; image = 'nginx:1.27'; ports = @(@{ containerPort = 80 }, @{ containerPort = 53; protocol = 'UDP' }) }
                @{ name = 'log'; image = 'busybox' }
            )
        }
    }
    $null = New-KPod -Namespace $Ns -Name 'web-2' -Image nginx -Wait
    $null = New-KPod -Namespace $Ns -Name 'db' -Image 'postgres' -Wait
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Get-KPodContainer' {
    It 'writes one object per init container and container of a piped pod' {
        $containers = Get-KPod -Namespace $Ns -Name web-1 | Get-KPodContainer

        $containers.Name | Should -Be @('setup', 'web', 'log')
        $containers.IsInit | Should -Be @($true, $false, $false)
        $containers.Pod | Select-Object -Unique | Should -Be 'web-1'
        $containers.Namespace | Select-Object -Unique | Should -Be $Ns
        $web = $containers | Where-Object Name -EQ 'web'
        $web.Image | Should -Be 'nginx:1.27'
        $web.Ready | Should -BeTrue
        $web.State | Should -Be 'Running'
        $web.Restarts | Should -Be 0
        $web.Ports | Should -Be @('80/TCP', '53/UDP')
        ($containers | Where-Object Name -EQ 'setup').State | Should -Be 'Terminated: Completed'
    }

    It 'gives the same names as kubectl jsonpath {.spec.containers[*].name}' {
        if (-not $Kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed'; return }
        $names = & $Kubectl --kubeconfig $Cluster.Kubeconfig -n $Ns get pod web-1 -o 'jsonpath={.spec.containers[*].name}'

        (Get-KPodContainer -Namespace $Ns -Name web-1 | Where-Object { -not $_.IsInit }).Name -join ' ' | Should -Be $names
    }

    It 'reads pods by name with wildcards, and every pod without -Name' {
        (Get-KPodContainer -Namespace $Ns -Name 'web-*').Pod | Select-Object -Unique | Sort-Object | Should -Be @('web-1', 'web-2')
        (Get-KPodContainer -Namespace $Ns).Pod | Select-Object -Unique | Sort-Object | Should -Be @('db', 'web-1', 'web-2')
    }

    It 'takes pod names from the pipeline by value and by property name' {
        ('db' | Get-KPodContainer -Namespace $Ns).Image | Should -Be 'postgres'
        ([pscustomobject]@{ Name = 'web-2'; Namespace = $Ns } | Get-KPodContainer).Pod | Should -Be 'web-2'
    }

    It 'filters containers with -ContainerName wildcards' {
        (Get-KPodContainer -Namespace $Ns -Name web-1 -ContainerName 'l*', 'setup').Name | Should -Be @('setup', 'log')
    }

    It 'writes a non-terminating PodNotFound for a missing pod and still emits the others' {
        $containers = Get-KPodContainer -Namespace $Ns -Name 'missing', 'db' -ErrorVariable errors -ErrorAction SilentlyContinue

        $containers.Pod | Should -Be 'db'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'PodNotFound,PodTools.Commands.GetKPodContainerCommand'
    }

    It 'shows POD NAME IMAGE READY STATE RESTARTS PORTS INIT in its table' {
        $text = Get-KPodContainer -Namespace $Ns -Name web-1 | Format-Table | Out-String -Width 200
        $lines = $text -split "`n" | Where-Object { $_.Trim() }

        ($lines[0] -split '\s+' | Where-Object { $_ }) -join ' ' | Should -Be 'POD NAME IMAGE READY STATE RESTARTS PORTS INIT'
        $text | Should -Match 'web-1\s+web\s+nginx:1.27\s+True\s+Running\s+0\s+80/TCP,53/UDP\s+False'
    }
}
