# Helpers shared by the Pester files: the test cluster (shared or private), its control endpoints, namespaces.
Set-StrictMode -Version Latest

$script:PrivateCluster = $null
$script:HttpClients = @{}
$script:RepoRoot = Split-Path -Parent $PSScriptRoot

function Get-TestModulePath {
    <# The module under test: PODTOOLS_MODULE from build.ps1, else out/PodTools/PodTools.psd1. #>
    if ($env:PODTOOLS_MODULE) { return $env:PODTOOLS_MODULE }
    Join-Path $script:RepoRoot 'out/PodTools/PodTools.psd1'
}

function Get-TestClusterDll {
    if ($env:PODTOOLS_TESTCLUSTER_DLL) { return $env:PODTOOLS_TESTCLUSTER_DLL }
    foreach ($configuration in 'Release', 'Debug') {
        $candidate = Join-Path $script:RepoRoot "tests/PodTools.TestCluster/bin/$configuration/net10.0/PodTools.TestCluster.dll"
        if (Test-Path $candidate) { return $candidate }
    }
    throw 'PodTools.TestCluster.dll is not built: run build.ps1 -Task Build or set PODTOOLS_TESTCLUSTER_DLL.'
}

function Start-TestCluster {
    <#
    .SYNOPSIS
    Starts a private standalone test cluster (for tests that change global state such as faults or latency).
    Returns Kubeconfig, Server and Process; stop it with Stop-TestCluster.
    #>
    [CmdletBinding()]
    param(
        [int] $LatencyMs,
        [double] $TimeScale
    )
    $work = New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "podtools-cluster-$([guid]::NewGuid().ToString('N'))")
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $arguments = @((Get-TestClusterDll), '--workdir', $work.FullName)
    if ($PSBoundParameters.ContainsKey('LatencyMs')) { $arguments += '--latency-ms', "$LatencyMs" }
    if ($PSBoundParameters.ContainsKey('TimeScale')) { $arguments += '--time-scale', $TimeScale.ToString([cultureinfo]::InvariantCulture) }
    foreach ($a in $arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $line = $process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait([TimeSpan]::FromSeconds(60)) -or $null -eq $line.Result) {
        try { $process.Kill($true) } catch { }
        throw 'The test cluster did not report READY within 60 seconds.'
    }
    if ($line.Result -notmatch '^TESTCLUSTER READY kubeconfig=(?<kubeconfig>\S+) server=(?<server>\S+)$') {
        try { $process.Kill($true) } catch { }
        throw "Unexpected first line from the test cluster: $($line.Result)"
    }
    # Keep draining stdout so the cluster never blocks on a full pipe.
    $null = $process.StandardOutput.ReadToEndAsync()
    [pscustomobject]@{
        Kubeconfig    = $Matches.kubeconfig
        Server        = $Matches.server
        Process       = $process
        WorkDirectory = $work.FullName
    }
}

function Stop-TestCluster {
    <# Stops a cluster from Start-TestCluster (closing its stdin ends it; killed after 15 s). #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Cluster)
    process {
        if (-not $Cluster.Process) { return }
        try { $Cluster.Process.StandardInput.Close() } catch { }
        if (-not $Cluster.Process.WaitForExit(15000)) { $Cluster.Process.Kill($true) }
        if ($Cluster.PSObject.Properties['WorkDirectory'] -and $Cluster.WorkDirectory) {
            Remove-Item -LiteralPath $Cluster.WorkDirectory -Recurse -Force -ErrorAction SilentlyContinue
        }
        if ($script:PrivateCluster -and $script:PrivateCluster.Process -eq $Cluster.Process) { $script:PrivateCluster = $null }
    }
}

function Get-TestCluster {
    <#
    .SYNOPSIS
    The shared cluster build.ps1 started (PODTOOLS_TEST_KUBECONFIG / PODTOOLS_TEST_SERVER), or, when a file runs on its
    own, a private one started once per session.
    #>
    if ($env:PODTOOLS_TEST_KUBECONFIG -and $env:PODTOOLS_TEST_SERVER) {
        return [pscustomobject]@{ Kubeconfig = $env:PODTOOLS_TEST_KUBECONFIG; Server = $env:PODTOOLS_TEST_SERVER; Process = $null }
    }
    if (-not $script:PrivateCluster -or $script:PrivateCluster.Process.HasExited) {
        $script:PrivateCluster = Start-TestCluster
    }
    $script:PrivateCluster
}

function Get-TestKubeconfigSecret {
    <#
    .SYNOPSIS
    Reads a user's token (or the cluster CA) out of the test cluster's kubeconfig, for the control endpoints and
    for the checks that secrets never leak. Line based: the test cluster writes a plain block layout.
    #>
    param(
        [Parameter(Mandatory)] [string] $Kubeconfig,
        [string] $User = 'admin',
        [switch] $CertificateAuthority
    )
    $lines = Get-Content -LiteralPath $Kubeconfig
    if ($CertificateAuthority) {
        $line = $lines | Where-Object { $_ -match '^\s*certificate-authority-data:\s*(\S+)' } | Select-Object -First 1
        if (-not $line) { throw "No certificate-authority-data in $Kubeconfig" }
        $null = $line -match '^\s*certificate-authority-data:\s*"?([^"\s]+)'
        return [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Matches[1]))
    }
    $section = ''
    $current = ''
    foreach ($line in $lines) {
        if ($line -match '^(\w[\w-]*):') { $section = $Matches[1]; continue }
        if ($section -ne 'users') { continue }
        if ($line -match '^\s*-\s*name:\s*"?([^"\s]+)') { $current = $Matches[1]; continue }
        if ($line -match '^\s*name:\s*"?([^"\s]+)' -and $line -notmatch '^\s{6,}') { $current = $Matches[1]; continue }
        if ($current -eq $User -and $line -match '^\s*token:\s*"?([^"\s]+)') { return $Matches[1] }
    }
    throw "No token for user '$User' in $Kubeconfig"
}

function Get-TestHttpClient {
    # One HttpClient per cluster CA; it trusts exactly that CA (the cluster's certificate is not in the OS store).
    param([Parameter(Mandatory)] $Cluster)
    if (-not ('PodToolsTests.CaTrust' -as [type])) {
        Add-Type -TypeDefinition @'
using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
namespace PodToolsTests {
    public static class CaTrust {
        public static HttpClient Create(string caPem) {
            var ca = X509Certificate2.CreateFromPem(caPem);
            var handler = new HttpClientHandler();
            handler.ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) => {
                if (certificate == null) return false;
                using var verify = new X509Chain();
                verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                verify.ChainPolicy.CustomTrustStore.Add(ca);
                verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return verify.Build(certificate);
            };
            return new HttpClient(handler) { Timeout = System.TimeSpan.FromSeconds(120) };
        }
    }
}
'@
    }
    $key = $Cluster.Kubeconfig
    if (-not $script:HttpClients.ContainsKey($key)) {
        $script:HttpClients[$key] = [PodToolsTests.CaTrust]::Create((Get-TestKubeconfigSecret -Kubeconfig $Cluster.Kubeconfig -CertificateAuthority))
    }
    $script:HttpClients[$key]
}

function Invoke-TestClusterApi {
    <# One request to the test cluster as admin; returns the parsed JSON answer (throws on a non-2xx status). #>
    param(
        [Parameter(Mandatory)] $Cluster,
        [Parameter(Mandatory)] [ValidateSet('GET', 'POST', 'PUT', 'DELETE', 'PATCH')] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        $Body
    )
    $client = Get-TestHttpClient -Cluster $Cluster
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), $Cluster.Server.TrimEnd('/') + $Path)
    $request.Headers.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer',
        (Get-TestKubeconfigSecret -Kubeconfig $Cluster.Kubeconfig -User admin))
    if ($null -ne $Body) {
        $json = if ($Body -is [string]) { $Body } else { $Body | ConvertTo-Json -Depth 20 -Compress }
        $request.Content = [System.Net.Http.StringContent]::new($json, [Text.Encoding]::UTF8, 'application/json')
    }
    $response = $client.SendAsync($request).GetAwaiter().GetResult()
    $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    if (-not $response.IsSuccessStatusCode) {
        throw "$Method $Path answered $([int]$response.StatusCode): $text"
    }
    if ($text) { $text | ConvertFrom-Json -Depth 50 -NoEnumerate }
}

function Invoke-TestClusterControl {
    <#
    .SYNOPSIS
    Calls a control endpoint of the test cluster: GET/DELETE requests (the request log), PUT/DELETE faults, POST seed.
    #>
    param(
        [Parameter(Mandatory)] $Cluster,
        [Parameter(Mandatory)] [ValidateSet('GET', 'POST', 'PUT', 'DELETE')] [string] $Method,
        [Parameter(Mandatory)] [ValidateSet('requests', 'faults', 'seed')] [string] $Endpoint,
        $Body
    )
    $answer = Invoke-TestClusterApi -Cluster $Cluster -Method $Method -Path "/podtools.test/v1/$Endpoint" -Body $Body
    if ($Endpoint -eq 'requests' -and $Method -eq 'GET') { return @($answer) | ForEach-Object { $_ } }
    $answer
}

function New-TestNamespace {
    <# Creates a namespace with a unique name (prefix from the test file) through the API and returns the name. #>
    param(
        [Parameter(Mandatory)] $Cluster,
        [Parameter(Mandatory)] [string] $Prefix
    )
    $name = ('{0}-{1}' -f $Prefix.ToLowerInvariant(), [guid]::NewGuid().ToString('N').Substring(0, 6))
    $null = Invoke-TestClusterApi -Cluster $Cluster -Method POST -Path '/api/v1/namespaces' -Body @{
        apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $name }
    }
    $name
}

function New-TestPod {
    <# Creates a pod through the API (containers as @{name; image}) and returns the server's answer. #>
    param(
        [Parameter(Mandatory)] $Cluster,
        [Parameter(Mandatory)] [string] $Namespace,
        [Parameter(Mandatory)] [string] $Name,
        [hashtable[]] $Containers = @(@{ name = 'main'; image = 'nginx' }),
        [hashtable] $Labels = @{}
    )
    Invoke-TestClusterApi -Cluster $Cluster -Method POST -Path "/api/v1/namespaces/$Namespace/pods" -Body @{
        apiVersion = 'v1'; kind = 'Pod'
        metadata = @{ name = $Name; labels = $Labels }
        spec = @{ containers = $Containers }
    }
}

function Wait-TestCondition {
    <# Polls a script block until it returns $true (test set-up only; the module's own waits use watch). #>
    param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 60, [string] $Because = 'condition')
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 200
    }
    throw "Timed out after $TimeoutSeconds s waiting for $Because."
}

function Invoke-ChildPwsh {
    <#
    .SYNOPSIS
    Runs a script in a fresh pwsh process (the same PowerShell that runs the tests) and returns its output lines.
    #>
    param([Parameter(Mandatory)] [string] $Script)
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Script))
    $processPath = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'pwsh') {
        & $processPath -NoProfile -NonInteractive -EncodedCommand $encoded
    }
    else {
        # Running as a dotnet tool: dotnet <pwsh.dll>.
        $pwshDll = [Reflection.Assembly]::GetEntryAssembly().Location
        & $processPath $pwshDll -NoProfile -NonInteractive -EncodedCommand $encoded
    }
}

function Get-TableHeader {
    <# The header line of the table PowerShell formats for the objects, columns joined by single spaces. #>
    param([Parameter(Mandatory)] [object[]] $InputObject, [string] $View)
    $table = if ($View) { $InputObject | Format-Table -View $View } else { $InputObject | Format-Table }
    $first = ($table | Out-String -Width 300) -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 1
    ($first.Trim() -split '\s+') -join ' '
}

function Copy-TestKubeconfig {
    <# Copies the cluster's kubeconfig to Destination, optionally pointing it at another server URL. #>
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Destination, [string] $Server)
    $text = Get-Content -Raw -LiteralPath $Cluster.Kubeconfig
    if ($Server) { $text = $text -replace [regex]::Escape($Cluster.Server.TrimEnd('/')), $Server }
    Set-Content -LiteralPath $Destination -Value $text -NoNewline
    $Destination
}

function Get-UnusedTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

Export-ModuleMember -Function Get-TestModulePath, Get-TestClusterDll, Start-TestCluster, Stop-TestCluster, Get-TestCluster,
    Get-TestKubeconfigSecret, Invoke-TestClusterApi, Invoke-TestClusterControl, New-TestNamespace, New-TestPod,
    Wait-TestCondition, Invoke-ChildPwsh, Get-UnusedTcpPort, Get-TableHeader, Copy-TestKubeconfig
