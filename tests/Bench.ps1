#Requires -Version 7.4
<#
.SYNOPSIS
    PodTools against kubectl on the test cluster: relabelling 1,000 pods and listing 10,000, with no added latency
    and with a 10 ms round trip per request.
.DESCRIPTION
    Run by `build.ps1 -Task Bench`, which builds the module, starts a test cluster and sets PODTOOLS_MODULE,
    PODTOOLS_TEST_KUBECONFIG and PODTOOLS_TESTCLUSTER_DLL. The 10 ms runs set the latency through the cluster's
    faults endpoint. Prints a table and writes the figures to bench.json in the output root (PODTOOLS_BENCH_OUTPUT,
    else the folder that holds the built module's folder). Exits non-zero only when a run gives a wrong result;
    missed aims are reported, not failed.
#>
[CmdletBinding()]
param(
    # Timed repetitions per figure; the median is reported.
    [int] $Repeat = 9
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
Import-Module (Get-TestModulePath) -Force
$cluster = Get-TestCluster
$kubeconfig = $cluster.Kubeconfig
$PSDefaultParameterValues['*-K*:Kubeconfig'] = $kubeconfig
$kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $kubectl) { Write-Warning 'kubectl is not installed: only the PodTools figures are measured.' }

$outputRoot = if ($env:PODTOOLS_BENCH_OUTPUT) { $env:PODTOOLS_BENCH_OUTPUT } else { Split-Path (Split-Path (Get-TestModulePath)) }
$results = [System.Collections.Generic.List[object]]::new()

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
}

function Measure-Median([scriptblock] $Script) {
    # Runs the script $Repeat times; returns the median wall time in milliseconds.
    $times = foreach ($i in 1..$Repeat) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        & $Script $i
        $watch.Stop()
        $watch.Elapsed.TotalMilliseconds
    }
    Get-Median $times
}

function Invoke-KubectlTimed {
    <# Runs kubectl with stdout drained to nowhere (no PowerShell line handling); returns first-byte and total ms. #>
    param([string[]] $Arguments)
    $psi = [Diagnostics.ProcessStartInfo]::new($kubectl.Source)
    foreach ($a in @('--kubeconfig', $kubeconfig) + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start($psi)
    $stderr = $process.StandardError.ReadToEndAsync()
    $stream = $process.StandardOutput.BaseStream
    $buffer = [byte[]]::new(65536)
    $first = $null
    while (($read = $stream.Read($buffer, 0, $buffer.Length)) -gt 0) {
        if ($null -eq $first) { $first = $watch.Elapsed.TotalMilliseconds }
    }
    $process.WaitForExit()
    $watch.Stop()
    if ($process.ExitCode -ne 0) { throw "kubectl $($Arguments -join ' ') failed: $($stderr.Result)" }
    [pscustomobject]@{ FirstMs = $first ?? $watch.Elapsed.TotalMilliseconds; TotalMs = $watch.Elapsed.TotalMilliseconds }
}

function Set-Latency([int] $Milliseconds) {
    if ($Milliseconds -gt 0) {
        $null = Invoke-TestClusterControl -Cluster $cluster -Method PUT -Endpoint faults -Body @{ latencyMs = $Milliseconds; rules = @() }
    }
    else {
        $null = Invoke-TestClusterControl -Cluster $cluster -Method DELETE -Endpoint faults
    }
}

function Add-Result([string] $Figure, [int] $LatencyMs, [double] $PodTools, [Nullable[double]] $Kubectl, [string] $Unit = 'ms', [string] $Aim = '', [Nullable[bool]] $AimMet = $null) {
    $results.Add([pscustomobject]@{
            Figure    = $Figure
            LatencyMs = $LatencyMs
            PodTools  = [math]::Round($PodTools, 1)
            Kubectl   = if ($null -ne $Kubectl) { [math]::Round($Kubectl, 1) } else { $null }
            Unit      = $Unit
            Ratio     = if ($Kubectl) { [math]::Round($PodTools / $Kubectl, 3) } else { $null }
            Speedup   = if ($Kubectl -and $PodTools) { [math]::Round($Kubectl / $PodTools, 1) } else { $null }
            Aim       = $Aim
            AimMet    = $AimMet
        })
}

function Assert-Labelled([string] $Namespace, [string] $Selector, [int] $Expected) {
    $count = (Get-KPod -Namespace $Namespace -Selector $Selector | Measure-Object).Count
    if ($count -ne $Expected) { throw "expected $Expected pods with $Selector in $Namespace, found $count" }
}

Write-Host 'Seeding 1,000 pods to relabel and 10,000 to list...'
$relabelNs = New-TestNamespace -Cluster $cluster -Prefix 'bench-relabel'
$listNs = New-TestNamespace -Cluster $cluster -Prefix 'bench-list'
$smallNs = New-TestNamespace -Cluster $cluster -Prefix 'bench-small'
$null = Invoke-TestClusterControl -Cluster $cluster -Method POST -Endpoint seed -Body @{ namespace = $relabelNs; count = 1000; namePrefix = 'relabel-'; labels = @{ app = 'bench' }; image = 'nginx' }
$null = Invoke-TestClusterControl -Cluster $cluster -Method POST -Endpoint seed -Body @{ namespace = $listNs; count = 10000; namePrefix = 'list-'; labels = @{ app = 'list' }; image = 'nginx' }
$null = Invoke-TestClusterControl -Cluster $cluster -Method POST -Endpoint seed -Body @{ namespace = $smallNs; count = 1000; namePrefix = 'small-'; labels = @{ app = 'small' }; image = 'nginx' }

# The first relabel of a fresh session pays for JIT compilation and the connection: reported on its own, then
# every later figure is steady state.
$coldWatch = [Diagnostics.Stopwatch]::StartNew()
Set-KPodLabel -Namespace $relabelNs -Selector app=bench @{ run = 'cold' } -Overwrite
$coldRelabel = $coldWatch.Elapsed.TotalMilliseconds
Assert-Labelled $relabelNs 'run=cold' 1000
if ($kubectl) { $null = Invoke-KubectlTimed @('get', 'pods', '-n', $relabelNs, '-l', 'app=none') }
Add-Result 'relabel 1,000 pods: first run in a fresh session (JIT, connection)' 0 $coldRelabel $null

# The relabel forms, timed in turns (pipeline, -Selector, -ThrottleLimit 64, kubectl) so that a slow spell of the
# machine falls on every form alike rather than on whichever ran then.
$relabelForms = [ordered]@{
    pipe = { param($run) Get-KPod -Namespace $relabelNs -Selector app=bench | Set-KPodLabel @{ run = $run } -Overwrite }
    sel  = { param($run) Set-KPodLabel -Namespace $relabelNs -Selector app=bench @{ run = $run } -Overwrite }
    # For comparison only: the aims are measured at the default of 16 in flight.
    wide = { param($run) Set-KPodLabel -Namespace $relabelNs -Selector app=bench @{ run = $run } -Overwrite -ThrottleLimit 64 }
}

try {
    foreach ($latency in 0, 10) {
        Write-Host "Round trip +$latency ms"
        Set-Latency $latency

        # Warm-up at this latency, untimed: JIT tiering settles only after a few thousand requests.
        foreach ($i in 1..2) {
            foreach ($form in $relabelForms.Keys) { & $relabelForms[$form] "warm-$form-$latency-$i" }
        }
        $times = @{ pipe = @(); sel = @(); wide = @(); kubectl = @() }
        foreach ($i in 1..$Repeat) {
            foreach ($form in $relabelForms.Keys) {
                $run = "$form-$latency-$i"
                $watch = [Diagnostics.Stopwatch]::StartNew()
                & $relabelForms[$form] $run
                $times[$form] += $watch.Elapsed.TotalMilliseconds
                Assert-Labelled $relabelNs "run=$run" 1000
            }
            if ($kubectl) {
                $run = "kubectl-$latency-$i"
                $times.kubectl += (Invoke-KubectlTimed @('label', 'pods', '-n', $relabelNs, '-l', 'app=bench', "run=$run", '--overwrite')).TotalMs
                Assert-Labelled $relabelNs "run=$run" 1000
            }
        }
        $kubectlRelabel = if ($kubectl) { Get-Median $times.kubectl } else { $null }
        $aim = if ($latency -eq 10) { '>= 14x faster than kubectl' } else { '' }
        foreach ($entry in @(
                @{ Form = 'pipe'; Figure = 'relabel 1,000 pods: Get-KPod -Selector | Set-KPodLabel'; Aimed = $true }
                @{ Form = 'sel'; Figure = 'relabel 1,000 pods: Set-KPodLabel -Selector'; Aimed = $true }
                @{ Form = 'wide'; Figure = 'relabel 1,000 pods: Set-KPodLabel -Selector -ThrottleLimit 64 (comparison)'; Aimed = $false })) {
            $median = Get-Median $times[$entry.Form]
            $met = if ($entry.Aimed -and $latency -eq 10 -and $kubectlRelabel) { $kubectlRelabel / $median -ge 14 } else { $null }
            Add-Result $entry.Figure $latency $median $kubectlRelabel -Aim $(if ($entry.Aimed) { $aim } else { '' }) -AimMet $met
            Write-Host ("  {0,-5} {1}" -f $entry.Form, (($times[$entry.Form] | ForEach-Object { '{0:0}' -f $_ }) -join ' '))
        }
        if ($kubectl) { Write-Host ("  kubectl {0}" -f (($times.kubectl | ForEach-Object { '{0:0}' -f $_ }) -join ' ')) }

        $first = Measure-Median { $null = Get-KPod -Namespace $listNs | Select-Object -First 1 }
        $total = Measure-Median {
            $count = (Get-KPod -Namespace $listNs | Measure-Object).Count
            if ($count -ne 10000) { throw "Get-KPod listed $count pods, not 10000" }
        }
        $kubectlList = $null
        if ($kubectl) {
            $runs = @(foreach ($i in 1..$Repeat) { Invoke-KubectlTimed @('get', 'pods', '-n', $listNs, '-o', 'json') })
            $kubectlList = [pscustomobject]@{ FirstMs = Get-Median $runs.FirstMs; TotalMs = Get-Median $runs.TotalMs }
        }
        $kubectlFirst = if ($kubectlList) { $kubectlList.FirstMs } else { $null }
        $kubectlTotal = if ($kubectlList) { $kubectlList.TotalMs } else { $null }
        Add-Result 'list 10,000 pods: time to first object (kubectl: first byte)' $latency $first $kubectlFirst -Aim '< 200 ms' -AimMet ($first -lt 200)
        $met = if ($kubectlList) { $total -lt $kubectlTotal / 2 } else { $null }
        Add-Result 'list 10,000 pods: total (Get-KPod | Measure-Object vs kubectl -o json)' $latency $total $kubectlTotal -Aim '< half of kubectl' -AimMet $met
    }
}
finally {
    Set-Latency 0
}

# Peak working set of a fresh pwsh: listing 1,000 pods, then listing 10,000. Bounded memory means the second
# peak is close to the first, not ten times the pods.
Write-Host 'Measuring peak working set in a fresh pwsh...'
$memoryScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$((Get-TestModulePath).Replace("'", "''"))'
`$null = Get-KPod -Kubeconfig '$($kubeconfig.Replace("'", "''"))' -Namespace '$smallNs' | Measure-Object
[GC]::Collect(); [GC]::WaitForPendingFinalizers()
`$process = [Diagnostics.Process]::GetCurrentProcess(); `$process.Refresh()
`$afterSmall = `$process.PeakWorkingSet64
`$null = Get-KPod -Kubeconfig '$($kubeconfig.Replace("'", "''"))' -Namespace '$listNs' | Measure-Object
`$process.Refresh()
"MEMORY `$afterSmall `$(`$process.PeakWorkingSet64)"
"@
$line = Invoke-ChildPwsh -Script $memoryScript | Where-Object { $_ -like 'MEMORY *' } | Select-Object -Last 1
if (-not $line) { throw 'The memory measurement printed no result.' }
$parts = $line -split ' '
$peakSmall = [double] $parts[1] / 1MB
$peakLarge = [double] $parts[2] / 1MB
$results.Add([pscustomobject]@{
        Figure = 'peak working set: after a 1,000-pod list'; LatencyMs = 0; PodTools = [math]::Round($peakSmall, 1); Kubectl = $null
        Unit = 'MiB'; Ratio = $null; Speedup = $null; Aim = ''; AimMet = $null
    })
$results.Add([pscustomobject]@{
        Figure = 'peak working set: during a 10,000-pod list'; LatencyMs = 0; PodTools = [math]::Round($peakLarge, 1); Kubectl = $null
        Unit = 'MiB'; Ratio = [math]::Round($peakLarge / $peakSmall, 3); Speedup = $null; Aim = 'bounded by a page (< 1.5x the 1,000-pod peak)'
        AimMet = ($peakLarge -lt 1.5 * $peakSmall)
    })

$results | Format-Table Figure, LatencyMs, PodTools, Kubectl, Unit, Ratio, Speedup, Aim, AimMet -AutoSize -Wrap | Out-String -Width 220 | Write-Host

$null = New-Item -ItemType Directory -Force $outputRoot
$jsonPath = Join-Path $outputRoot 'bench.json'
[pscustomobject]@{
    Date       = [DateTime]::UtcNow.ToString('o')
    Repeat     = $Repeat
    Processors = [Environment]::ProcessorCount
    Kubectl    = if ($kubectl) { (& $kubectl version --client 2>$null | Select-Object -First 1) } else { $null }
    Results    = $results
} | ConvertTo-Json -Depth 5 | Set-Content -Path $jsonPath
Write-Host "Figures written to $jsonPath"
