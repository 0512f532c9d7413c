#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Messages the engine raises inside a bulk run (here: the stderr of an exec credential plugin that runs again for
# every request because its token is already expired) reach the user, through each cmdlet family that runs bulk.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $script:PodCount = 6

    # A copy of the cluster's kubeconfig whose admin context authenticates through an exec plugin. The credential's
    # expirationTimestamp lies in the past, so every request runs the plugin again, from whichever thread sends it.
    $dir = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'exec')
    $plugin = Join-Path $dir 'token-plugin.sh'
    $token = Get-TestKubeconfigSecret -Kubeconfig $Cluster.Kubeconfig -User admin
    Set-Content -LiteralPath $plugin -Value @"
#!/bin/sh
echo "refreshing the token" >&2
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"$token","expirationTimestamp":"2000-01-01T00:00:00Z"}}'
"@
    if (-not $IsWindows) { chmod +x $plugin }
    $script:ExecConfig = Join-Path $dir 'config'
    $execUser = @"
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./token-plugin.sh
- name: admin
"@
    (Get-Content -Raw $Cluster.Kubeconfig) -replace '(?m)^- name: admin\s*$(?=\s+user:)', $execUser.TrimEnd() `
        -replace '(?m)^(\s+)user: admin\s*$', '$1user: exec-user' | Set-Content $ExecConfig
    $script:PluginWarning = 'token-plugin.sh: refreshing the token'

    function New-SeededNamespace([string] $Prefix) {
        $ns = New-TestNamespace -Cluster $Cluster -Prefix $Prefix
        $seeded = Invoke-TestClusterControl -Cluster $Cluster -Method POST -Endpoint seed -Body @{
            namespace = $ns; count = $PodCount; namePrefix = 'p-'; labels = @{ app = 'hostmsg' }; image = 'nginx'
        }
        $seeded.created | Should -Be $PodCount
        $ns
    }
}

AfterAll {
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

# On Windows a shell script is no exec plugin; the code under test is the same on every platform.
Describe 'Engine messages raised inside a bulk run' -Skip:$IsWindows {
    It 'shows the exec plugin warning of every Set-KPodLabel -Selector request, patches included' {
        $ns = New-SeededNamespace -Prefix 'hostmsg-label'

        Set-KPodLabel -Kubeconfig $ExecConfig -Namespace $ns -Selector app=hostmsg @{ seen = 'yes' } -ThrottleLimit 3 `
            -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop

        @(Get-KPod -Kubeconfig $Cluster.Kubeconfig -Namespace $ns -Selector seen=yes).Count | Should -Be $PodCount
        $warnings.Message | Sort-Object -Unique | Should -Be $PluginWarning
        # One run per patch at least; before, only the connection's run was shown.
        $warnings.Count | Should -BeGreaterOrEqual $PodCount
    }

    It 'shows the exec plugin warning of every Remove-KPod delete' {
        $ns = New-SeededNamespace -Prefix 'hostmsg-delete'

        Remove-KPod -Kubeconfig $ExecConfig -Namespace $ns -Selector app=hostmsg -Confirm:$false -ThrottleLimit 3 `
            -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop

        @(Get-KPod -Kubeconfig $Cluster.Kubeconfig -Namespace $ns).Count | Should -Be 0
        $warnings.Message | Sort-Object -Unique | Should -Be $PluginWarning
        # The list alone was shown before too; the deletes add one each.
        $warnings.Count | Should -BeGreaterOrEqual $PodCount
    }

    It 'shows the exec plugin warning of every pod New-KPod creates' {
        $ns = New-TestNamespace -Cluster $Cluster -Prefix 'hostmsg-create'

        $created = 1..$PodCount | ForEach-Object { @{ metadata = @{ name = "new-$_" }; spec = @{ containers = @(@{ name = 'c'; image = 'nginx' }) } } } |
            New-KPod -Kubeconfig $ExecConfig -Namespace $ns -ThrottleLimit 3 -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop

        @($created).Count | Should -Be $PodCount
        $warnings.Message | Sort-Object -Unique | Should -Be $PluginWarning
        $warnings.Count | Should -BeGreaterOrEqual $PodCount
    }

    It 'shows the exec plugin warning of every pod Invoke-KPodCommand runs in' {
        # Seeded pods have no containers behind them to exec into: these are started by the test kubelet.
        $ns = New-TestNamespace -Cluster $Cluster -Prefix 'hostmsg-exec'
        foreach ($i in 1..$PodCount) {
            $null = New-TestPod -Cluster $Cluster -Namespace $ns -Name "exec-$i" -Labels @{ app = 'hostmsg' }
        }
        Wait-TestCondition -Because 'the exec pods to run' -Condition {
            @(Get-KPod -Kubeconfig $Cluster.Kubeconfig -Namespace $ns | Where-Object Status -EQ 'Running').Count -eq $PodCount
        }

        $results = Invoke-KPodCommand -Kubeconfig $ExecConfig -Namespace $ns -Selector app=hostmsg -Command true -ThrottleLimit 3 `
            -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop

        @($results | Where-Object ExitCode -EQ 0).Count | Should -Be $PodCount
        $warnings.Message | Sort-Object -Unique | Should -Be $PluginWarning
        $warnings.Count | Should -BeGreaterOrEqual $PodCount
    }
}
