#Requires -Version 7.4
<#
.SYNOPSIS
    The PodTools pod story, typed as a user would type it, against a test cluster.
.DESCRIPTION
    Run by `build.ps1 -Task Demo`, which starts a test cluster and sets PODTOOLS_MODULE and PODTOOLS_TEST_KUBECONFIG.
    Each step is a function; each prints its commands as `PS> ...` followed by their output as PowerShell shows it,
    and checks what it got. A step that fails (a missing cmdlet or parameter included) is reported, the remaining
    steps still run, and the script exits 1 with a summary of the failed steps.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

if (-not $env:PODTOOLS_MODULE -or -not $env:PODTOOLS_TEST_KUBECONFIG) {
    throw 'Set PODTOOLS_MODULE and PODTOOLS_TEST_KUBECONFIG (build.ps1 -Task Demo does).'
}

# Set-up a user would have done already: the module imported and a kubeconfig that points at the cluster.
Import-Module $env:PODTOOLS_MODULE -Force
$env:KUBECONFIG = $env:PODTOOLS_TEST_KUBECONFIG
$script:DemoDirectory = Join-Path ([IO.Path]::GetTempPath()) "podtools-demo-$PID"
$null = New-Item -ItemType Directory -Force $DemoDirectory
Push-Location $DemoDirectory

$script:Width = 180

function Write-Section([string] $Title) {
    Write-Host ''
    Write-Host "### $Title" -ForegroundColor Cyan
}

function Invoke-DemoCommand {
    <#
    Prints the command as typed at a prompt, runs it, prints its output as the console would (tables included)
    and returns the objects and the text. -ExpectError names the error id the command must report (shown, not fatal).
    #>
    param(
        [Parameter(Mandatory)] [scriptblock] $Command,
        [string] $ExpectError
    )
    $lines = @($Command.ToString().Trim() -split "`r?`n" | ForEach-Object { $_.Trim() })
    Write-Host ''
    Write-Host "PS> $($lines[0])"
    foreach ($line in $lines | Select-Object -Skip 1) { Write-Host ">> $line" }

    if ($ExpectError) {
        $ErrorActionPreference = 'Continue'
        $output = @(& $Command 2>&1)
        $ErrorActionPreference = 'Stop'
        $errors = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        if (-not ($errors | Where-Object { $_.FullyQualifiedErrorId -like "$ExpectError,*" })) {
            $got = if ($errors) { ($errors | ForEach-Object FullyQualifiedErrorId) -join ', ' } else { 'no error' }
            throw "expected the error '$ExpectError' but got $got"
        }
        # Shown the way the console shows an error: "Command: message".
        $text = ($output | ForEach-Object {
                if ($_ -is [System.Management.Automation.ErrorRecord]) { "$($_.InvocationInfo.MyCommand.Name): $($_.Exception.Message)" }
                else { $_ | Out-String -Width $Width }
            }) -join "`n"
    }
    else {
        $output = @(& $Command)
        $text = $output | Out-String -Width $Width
    }

    $text = $text.TrimEnd()
    if ($text) { Write-Host $text.TrimStart("`r", "`n") }
    [pscustomobject]@{ Objects = $output; Text = $text }
}

function Assert-Demo([bool] $Condition, [string] $Message) {
    if (-not $Condition) { throw "check failed: $Message" }
}

# --- The story -------------------------------------------------------------------------------------------------

function Step-PodFromYaml {
    Write-Section 'A two-container pod from YAML'
    Set-Content -Path (Join-Path $DemoDirectory 'shop-web.yaml') -Value @'
apiVersion: v1
kind: Pod
metadata:
  name: shop-web
  labels:
    app: shop
    tier: frontend
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports:
    - containerPort: 80
  - name: log-shipper
    image: busybox
    command: ["sh", "-c", "while true; do sleep 5; done"]
'@
    $null = Invoke-DemoCommand { Get-Content ./shop-web.yaml }
    $created = Invoke-DemoCommand { New-KPod -Path ./shop-web.yaml -Wait -Timeout 120 }
    $pod = $created.Objects | Select-Object -Last 1
    Assert-Demo ($pod.Name -eq 'shop-web') 'New-KPod writes the created pod'
    Assert-Demo ($pod.Ready -eq '2/2' -and $pod.Status -eq 'Running') "shop-web is Running 2/2 (got $($pod.Status) $($pod.Ready))"
}

function Step-PodList {
    Write-Section 'The pod list and its Wide view'
    $list = Invoke-DemoCommand { Get-KPod }
    Assert-Demo ($list.Objects.Name -contains 'shop-web') 'Get-KPod lists shop-web'
    Assert-Demo ($list.Text -match 'NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE') 'the default table has kubectl''s columns'
    $wide = Invoke-DemoCommand { Get-KPod -Name shop-web | Format-Table -View Wide }
    Assert-Demo ($wide.Text -match 'IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES') 'the Wide view adds IP and NODE'
}

function Step-Containers {
    Write-Section "The pod's containers"
    $containers = Invoke-DemoCommand { Get-KPod -Name shop-web | Get-KPodContainer }
    Assert-Demo ((@($containers.Objects.Name) -join ',') -eq 'web,log-shipper') 'both containers are listed in order'
}

function Step-ExecAndLogs {
    Write-Section 'A command in one named container, and each container''s log'
    $exec = Invoke-DemoCommand { Invoke-KPodCommand -Name shop-web -Container log-shipper -Command sh, -c, 'echo "hello from $HOSTNAME"' }
    Assert-Demo ($exec.Text -match 'hello from shop-web') 'the command ran in the pod, with the pod name as HOSTNAME'
    $logs = Invoke-DemoCommand { Get-KPod -Name shop-web | Get-KPodLog -AllContainers }
    Assert-Demo ((@($logs.Objects.Container) | Sort-Object -Unique) -contains 'web') 'the web container has a log'
}

function Step-LabelsShown {
    Write-Section 'Labels shown'
    $shown = Invoke-DemoCommand { Get-KPod -Name shop-web | Format-Table -View Labels }
    Assert-Demo ($shown.Text -match 'app=shop,tier=frontend') 'the Labels view lists the labels like --show-labels'
}

function Step-LabelsAddedAndOverwritten {
    Write-Section 'Labels added, and overwritten only when asked'
    $null = Invoke-DemoCommand { Set-KPodLabel -Name shop-web @{ env = 'dev' } }
    $null = Invoke-DemoCommand -ExpectError LabelExists { Set-KPodLabel -Name shop-web @{ tier = 'web' } }
    $null = Invoke-DemoCommand { Set-KPodLabel -Name shop-web @{ tier = 'web' } -Overwrite }
    $null = Invoke-DemoCommand { (Get-KPod -Name shop-web).Labels }
    $now = (Get-KPod -Name shop-web).Labels
    Assert-Demo ($now['env'] -eq 'dev' -and $now['tier'] -eq 'web' -and $now['app'] -eq 'shop') 'env added, tier overwritten, app kept'
}

function Step-MorePods {
    Write-Section 'More pods, from parameters'
    $made = Invoke-DemoCommand {
        'shop-api-1', 'shop-api-2' | ForEach-Object { New-KPod -Name $_ -Image nginx -Label @{ app = 'shop'; tier = 'backend'; env = 'dev' } }
        New-KPod -Name shop-cache -Image redis -Label @{ app = 'shop'; tier = 'cache'; env = 'prod' }
    }
    Assert-Demo (@($made.Objects).Count -eq 3) 'three pods are created'
}

function Step-EqualitySelector {
    Write-Section 'Pods selected by equality'
    $equality = Invoke-DemoCommand { Get-KPod -Label @{ app = 'shop'; tier = 'backend' } }
    Assert-Demo ((@($equality.Objects.Name | Sort-Object) -join ',') -eq 'shop-api-1,shop-api-2') 'equality selects the backend pods'
}

function Step-SetBasedSelector {
    Write-Section 'Pods selected by set-based selectors'
    $setBased = Invoke-DemoCommand { Get-KPod -Selector 'tier in (backend,cache),env!=prod' }
    Assert-Demo ((@($setBased.Objects.Name | Sort-Object) -join ',') -eq 'shop-api-1,shop-api-2') 'in and != select the dev backend pods'
    $existence = Invoke-DemoCommand { Get-KPod -Selector 'app=shop,!release' }
    Assert-Demo ((@($existence.Objects.Name | Sort-Object) -join ',') -eq 'shop-api-1,shop-api-2,shop-cache,shop-web') '!release selects the shop pods without a release label'
}

function Step-BulkRelabel {
    Write-Section 'Pods relabelled in bulk through the pipeline'
    $null = Invoke-DemoCommand { Get-KPod -Selector 'app=shop' | Set-KPodLabel @{ release = 'v2' } }
    $null = Invoke-DemoCommand { Get-KPod -Selector 'release=v2' | Format-Table -View Labels }
    Assert-Demo (@(Get-KPod -Selector 'release=v2').Count -eq 4) 'all four shop pods carry release=v2'
}

function Step-Namespace {
    Write-Section 'A namespace created and used'
    $ns = Invoke-DemoCommand { New-KNamespace -Name shop-staging -Label @{ env = 'staging' } }
    Assert-Demo ($ns.Objects[0].Status -eq 'Active') 'the new namespace is Active'
    $null = Invoke-DemoCommand { Get-KNamespace | Format-Table -View Labels }
    $null = Invoke-DemoCommand { New-KPod -Name shop-web -Image nginx:1.27 -Namespace shop-staging -Label @{ app = 'shop'; tier = 'frontend' } }
    $everywhere = Invoke-DemoCommand { Get-KPod -AllNamespaces -Name shop-web }
    Assert-Demo ($everywhere.Text -match 'NAMESPACE') 'the list across namespaces shows NAMESPACE'
    Assert-Demo ((@($everywhere.Objects.Namespace | Sort-Object) -join ',') -eq 'default,shop-staging') 'shop-web is in both namespaces'
}

function Step-NodeSelector {
    Write-Section 'A node labelled, and a pod placed on it with a nodeSelector'
    $null = Invoke-DemoCommand { Get-KNode }
    $null = Invoke-DemoCommand { Set-KNodeLabel -Name worker002 @{ disktype = 'ssd' } }
    $labelled = Invoke-DemoCommand { Get-KNode -Selector disktype=ssd }
    Assert-Demo ($labelled.Objects.Name -eq 'worker002') 'worker002 carries disktype=ssd'
    $db = Invoke-DemoCommand { New-KPod -Name shop-db -Image postgres -Namespace shop-staging -NodeSelector @{ disktype = 'ssd' } -Wait -Timeout 120 }
    $null = Invoke-DemoCommand { Get-KPod -Namespace shop-staging | Format-Table -View Wide }
    $placed = Get-KPod -Namespace shop-staging -Name shop-db
    Assert-Demo ($placed.Node -eq 'worker002') "shop-db runs on worker002 (got '$($placed.Node)')"
}

function Step-DeleteBySelector {
    Write-Section 'Deletion by selector'
    $null = Invoke-DemoCommand { Remove-KPod -Selector 'app=shop,tier=backend' -Wait -Confirm:$false }
    $left = Invoke-DemoCommand { Get-KPod -Selector 'app=shop' }
    Assert-Demo ((@($left.Objects.Name | Sort-Object) -join ',') -eq 'shop-cache,shop-web') 'only the backend pods are gone'
}

function Step-DeleteNamespace {
    Write-Section 'The namespace deleted'
    $null = Invoke-DemoCommand { Remove-KNamespace -Name shop-staging -WhatIf }
    $null = Invoke-DemoCommand { Remove-KNamespace -Name shop-staging -Wait -Confirm:$false }
    $after = Invoke-DemoCommand { Get-KNamespace }
    Assert-Demo ($after.Objects.Name -notcontains 'shop-staging') 'shop-staging is gone'
}

function Step-TidyUp {
    Write-Section 'Tidy up'
    $null = Invoke-DemoCommand { Remove-KPod -Selector 'app=shop' -Wait -Confirm:$false }
    $null = Invoke-DemoCommand { Set-KNodeLabel -Name worker002 -Remove disktype }
}

$steps = @(
    'Step-PodFromYaml'
    'Step-PodList'
    'Step-Containers'
    'Step-ExecAndLogs'
    'Step-LabelsShown'
    'Step-LabelsAddedAndOverwritten'
    'Step-MorePods'
    'Step-EqualitySelector'
    'Step-SetBasedSelector'
    'Step-BulkRelabel'
    'Step-Namespace'
    'Step-NodeSelector'
    'Step-DeleteBySelector'
    'Step-DeleteNamespace'
    'Step-TidyUp'
)

$failures = [System.Collections.Generic.List[object]]::new()
try {
    foreach ($step in $steps) {
        try {
            & $step
        }
        catch {
            # Name what is missing when a cmdlet or one of its parameters does not exist yet; with
            # ErrorActionPreference Stop a cmdlet's error arrives wrapped, so unwrap it to show the real one.
            $record = $_
            if ($record.Exception -is [System.Management.Automation.ActionPreferenceStopException] -and $record.Exception.ErrorRecord) {
                $record = $record.Exception.ErrorRecord
            }
            $reason = switch ($record.Exception) {
                { $_ -is [System.Management.Automation.CommandNotFoundException] } { "missing cmdlet $($_.CommandName)"; break }
                { $_ -is [System.Management.Automation.ParameterBindingException] } {
                    "$($_.CommandInvocation.MyCommand.Name): $($_.Message)"; break
                }
                default {
                    $message = if ($record.ErrorDetails -and $record.ErrorDetails.Message) { $record.ErrorDetails.Message } else { $_.Message }
                    "$message [$($record.FullyQualifiedErrorId)]"
                }
            }
            Write-Host "STEP FAILED: $step - $reason" -ForegroundColor Red
            $failures.Add([pscustomobject]@{ Step = $step; Reason = $reason })
        }
    }
}
finally {
    Pop-Location
    Remove-Item $DemoDirectory -Recurse -Force -ErrorAction SilentlyContinue
}

Write-Host ''
if ($failures.Count -gt 0) {
    Write-Host "DEMO FAILED: $($failures.Count) of $($steps.Count) steps failed" -ForegroundColor Red
    foreach ($failure in $failures) { Write-Host "  $($failure.Step): $($failure.Reason)" -ForegroundColor Red }
    exit 1
}
Write-Host "DEMO PASSED: $($steps.Count) steps" -ForegroundColor Green
exit 0
