#Requires -Version 7.4
<#
.SYNOPSIS
    The one entry point for building, testing, demonstrating, benchmarking and packaging PodTools.
.DESCRIPTION
    Run it with the repository's own PowerShell: `dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test`.
    Everything it needs comes from NuGet: the .NET SDK is the only prerequisite.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Demo
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -PesterPath tests/Get-KPod.Tests.ps1 -SkipXunit
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Clean')]
    [string[]] $Task = 'Build',

    # The MSBuild configuration. Any name works: parallel builds in one tree use different names so their
    # bin/ and obj/ folders never collide.
    [string] $Configuration = 'Release',

    # Where the module, packages and test results go.
    [string] $OutputRoot = (Join-Path $PSScriptRoot 'out'),

    # Pester files or folders to run (default: every tests/*.Tests.ps1).
    [string[]] $PesterPath,

    # Run only the Pester part of -Task Test.
    [switch] $SkipXunit,

    # Run only the xunit part of -Task Test.
    [switch] $SkipPester,

    # The Pester run is stopped (and fails) after this long.
    [int] $PesterTimeoutMinutes = 40
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$RepoRoot = $PSScriptRoot
$OutRoot = [IO.Path]::GetFullPath($OutputRoot)
$ModuleOut = Join-Path $OutRoot 'PodTools'
$ResultsDir = Join-Path $OutRoot 'TestResults'
$TestClusterDll = Join-Path $RepoRoot "tests/PodTools.TestCluster/bin/$Configuration/net10.0/PodTools.TestCluster.dll"

function Invoke-Native {
    # Runs an external command and stops the build when it fails.
    param([Parameter(Mandatory)][string] $FilePath, [string[]] $ArgumentList = @())
    Write-Host "> $FilePath $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' exited with code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    [xml] $props = Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props')
    $props.Project.PropertyGroup.PodToolsVersion | Where-Object { $_ } | Select-Object -First 1
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'build/All.proj'), "-p:Configuration=$Configuration", '-nologo', '-v', 'q', '-clp:ErrorsOnly')

    $publishDir = Join-Path $OutRoot "publish"
    if (Test-Path $publishDir) { Remove-Item $publishDir -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot 'src/PodTools/PodTools.csproj'), '-c', $Configuration,
        '-o', $publishDir, '--no-build', '-nologo', '-v', 'q')

    # Layout: the module assembly, manifest and views at the top; every dependency (the engine included)
    # under deps/, where only the module's own AssemblyLoadContext looks for them.
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $deps = New-Item -ItemType Directory -Force (Join-Path $ModuleOut 'deps')
    Copy-Item (Join-Path $publishDir 'PodTools.dll') $ModuleOut
    Get-ChildItem $publishDir -File | Where-Object { $_.Name -ne 'PodTools.dll' -and $_.Extension -in '.dll', '.pdb' } |
        Copy-Item -Destination $deps
    if (Test-Path (Join-Path $publishDir 'PodTools.pdb')) { Copy-Item (Join-Path $publishDir 'PodTools.pdb') $ModuleOut }
    Get-ChildItem (Join-Path $RepoRoot 'src/PodTools') -Recurse -File -Include '*.ps1xml' |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' } | Copy-Item -Destination $ModuleOut
    $manifest = Get-Content -Raw (Join-Path $RepoRoot 'PodTools.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '$(Get-ModuleVersion)'"
    Set-Content -Path (Join-Path $ModuleOut 'PodTools.psd1') -Value $manifest -NoNewline
    Remove-Item $publishDir -Recurse -Force

    # Help is generated from docs/cmdlets/*.md plus the cmdlets' own metadata, in a separate session so the
    # build's own session never loads the module.
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'build/New-MamlHelp.ps1'),
        '-ModulePath', (Join-Path $ModuleOut 'PodTools.psd1'), '-DocsPath', (Join-Path $RepoRoot 'docs/cmdlets'),
        '-OutputPath', (Join-Path $ModuleOut 'en-US/PodTools.dll-Help.xml'))
    Write-Host "Module assembled in $ModuleOut" -ForegroundColor Green
}

function Start-TestClusterProcess {
    # Starts the standalone test cluster; it serves until its standard input closes.
    param([string] $WorkDirectory, [string[]] $ExtraArguments = @())
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($TestClusterDll, '--workdir', $WorkDirectory) + $ExtraArguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $readLine = $process.StandardOutput.ReadLineAsync()
    if (-not $readLine.Wait([TimeSpan]::FromSeconds(60)) -or $null -eq $readLine.Result) {
        try { $process.Kill($true) } catch { }
        throw 'The test cluster did not report READY within 60 seconds.'
    }
    if ($readLine.Result -notmatch '^TESTCLUSTER READY kubeconfig=(?<kubeconfig>\S+) server=(?<server>\S+)$') {
        try { $process.Kill($true) } catch { }
        throw "Unexpected first line from the test cluster: $($readLine.Result)"
    }
    # Keep draining its output so it can never block on a full pipe.
    $null = $process.StandardOutput.ReadToEndAsync()
    [pscustomobject]@{ Process = $process; Kubeconfig = $Matches.kubeconfig; Server = $Matches.server }
}

function Stop-TestClusterProcess {
    param($Cluster)
    if (-not $Cluster) { return }
    try { $Cluster.Process.StandardInput.Close() } catch { }
    if (-not $Cluster.Process.WaitForExit(15000)) { $Cluster.Process.Kill($true) }
}

function Get-TrxCounts {
    param([string] $Path)
    [xml] $trx = Get-Content -Raw $Path
    $counters = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int] $counters.passed; Failed = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout }
}

function Invoke-Xunit {
    $total = [pscustomobject]@{ Passed = 0; Failed = 0 }
    foreach ($project in 'tests/PodTools.Engine.Tests', 'tests/PodTools.TestCluster.Tests') {
        $name = Split-Path $project -Leaf
        $trx = Join-Path $ResultsDir "$name.trx"
        if (Test-Path $trx) { Remove-Item $trx }
        & dotnet test (Join-Path $RepoRoot $project) -c $Configuration --no-build -nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' | Out-Host
        if (-not (Test-Path $trx)) { throw "xunit run of $name produced no results (exit code $LASTEXITCODE)." }
        $counts = Get-TrxCounts $trx
        Write-Host "xunit $name`: $($counts.Passed) passed, $($counts.Failed) failed"
        $total.Passed += $counts.Passed
        $total.Failed += $counts.Failed
    }
    $total
}

function Invoke-PesterSuite {
    Invoke-Native dotnet @('restore', (Join-Path $RepoRoot 'tests/tools/PodTools.TestTools.csproj'), '-nologo', '-v', 'q')
    $pester = Join-Path (Get-NuGetPackageRoot) 'pester/5.9.1/tools/Pester.psd1'
    # From bash, `-PesterPath a,b` arrives as one string: split it.
    $paths = if ($PesterPath) { $PesterPath -split ',' | ForEach-Object { (Resolve-Path $_.Trim()).Path } } else { Join-Path $RepoRoot 'tests' }
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    if (Test-Path $summary) { Remove-Item $summary }

    $work = New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "podtools-test-$PID")
    $cluster = Start-TestClusterProcess -WorkDirectory $work.FullName
    try {
        $env:PODTOOLS_MODULE = Join-Path $ModuleOut 'PodTools.psd1'
        $env:PODTOOLS_TEST_KUBECONFIG = $cluster.Kubeconfig
        $env:PODTOOLS_TEST_SERVER = $cluster.Server
        $env:PODTOOLS_TESTCLUSTER_DLL = $TestClusterDll
        $env:PODTOOLS_PACKAGE_DIR = Join-Path $OutRoot 'package'
        $runner = @'
param($PesterModule, $PathList, $SummaryPath, $ResultsPath)
Import-Module $PesterModule
$config = New-PesterConfiguration
$config.Run.Path = [string[]] ($PathList -split ';')
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = $ResultsPath
$result = Invoke-Pester -Configuration $config
@{ Passed = $result.PassedCount; Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
   Skipped = $result.SkippedCount } | ConvertTo-Json | Set-Content $SummaryPath
'@
        $runnerPath = Join-Path $ResultsDir 'run-pester.ps1'
        Set-Content $runnerPath $runner
        # A hung test must fail the run, not eat CI's whole time budget.
        $pesterProcess = Start-Process dotnet -NoNewWindow -PassThru -ArgumentList @('pwsh', '-NoProfile', '-NonInteractive',
            '-File', $runnerPath, '-PesterModule', $pester, '-PathList', ($paths -join ';'), '-SummaryPath', $summary,
            '-ResultsPath', (Join-Path $ResultsDir 'pester.xml'))
        if (-not $pesterProcess.WaitForExit([TimeSpan]::FromMinutes($PesterTimeoutMinutes))) {
            $pesterProcess.Kill($true)
            throw "Pester did not finish within $PesterTimeoutMinutes minutes; the last test named above hung."
        }
    }
    finally {
        Stop-TestClusterProcess $cluster
        Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
    }
    if (-not (Test-Path $summary)) { throw 'The Pester run produced no summary.' }
    $counts = Get-Content -Raw $summary | ConvertFrom-Json
    Write-Host "Pester: $($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    [pscustomobject]@{ Passed = [int] $counts.Passed; Failed = [int] $counts.Failed }
}

function Get-NuGetPackageRoot {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages'
}

function Invoke-Test {
    Invoke-Build
    $null = New-Item -ItemType Directory -Force $ResultsDir
    $passed = 0; $failed = 0
    if (-not $SkipXunit) { $x = Invoke-Xunit; $passed += $x.Passed; $failed += $x.Failed }
    if (-not $SkipPester) { Invoke-Package; $p = Invoke-PesterSuite; $passed += $p.Passed; $failed += $p.Failed }
    # One plain line that CI reads; it adds up xunit and Pester.
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-WithTestCluster {
    # Runs a script against a fresh test cluster with the built module, as the demo and benchmarks do.
    param([string] $Script, [string[]] $ClusterArguments = @())
    Invoke-Build
    $work = New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "podtools-run-$PID")
    $cluster = Start-TestClusterProcess -WorkDirectory $work.FullName -ExtraArguments $ClusterArguments
    try {
        $env:PODTOOLS_MODULE = Join-Path $ModuleOut 'PodTools.psd1'
        $env:PODTOOLS_TEST_KUBECONFIG = $cluster.Kubeconfig
        $env:PODTOOLS_TEST_SERVER = $cluster.Server
        $env:PODTOOLS_TESTCLUSTER_DLL = $TestClusterDll
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $RepoRoot $Script) | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "$Script failed with exit code $LASTEXITCODE." }
    }
    finally {
        Stop-TestClusterProcess $cluster
        Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-Package {
    $packageDir = New-Item -ItemType Directory -Force (Join-Path $OutRoot 'package')
    Get-ChildItem $packageDir -Filter *.nupkg | Remove-Item
    Compress-PSResource -Path $ModuleOut -DestinationPath $packageDir.FullName
    $package = Get-ChildItem $packageDir -Filter 'PodTools.*.nupkg' | Select-Object -First 1
    if (-not $package) { throw 'Compress-PSResource produced no .nupkg.' }
    Write-Host "Package: $($package.FullName)" -ForegroundColor Green
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Demo' { Invoke-WithTestCluster -Script 'tests/Demo.ps1' }
        'Bench' { Invoke-WithTestCluster -Script 'tests/Bench.ps1' }
        'Package' { Invoke-Build; Invoke-Package }
        'Clean' {
            Remove-Item $OutRoot -Recurse -Force -ErrorAction SilentlyContinue
            Get-ChildItem $RepoRoot -Recurse -Directory -Include 'bin', 'obj' | Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}
