#Requires -Version 7.4
<#
.SYNOPSIS
    Generates the module's MAML help (PodTools.dll-Help.xml) from docs/cmdlets/*.md and the cmdlets' own metadata.
.DESCRIPTION
    No MAML tool (platyPS and friends) is on NuGet, so the build writes MAML itself. The markdown holds the
    prose: synopsis, description, examples, parameter descriptions, notes. Everything the cmdlet already
    knows (parameter types, positions, pipeline binding, parameter sets, output types) is read from the
    imported module, so the help cannot drift from the code.

    Markdown shape (a subset of platyPS's):
        # Get-KPod
        ## SYNOPSIS
        ## DESCRIPTION
        ## EXAMPLES
        ### Example 1: Title
        ```powershell
        code
        ```
        Remarks.
        ## PARAMETERS
        ### -Name
        Description.
        ## NOTES
.PARAMETER ModulePath
    The built module manifest to read cmdlet metadata from.
.PARAMETER DocsPath
    The folder with one markdown file per cmdlet.
.PARAMETER OutputPath
    The MAML file to write.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ns = @{
    msh = 'http://msh'; maml = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
}
$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

function Read-CmdletDoc {
    # Splits one markdown file into its sections: H2 headings, with H3 sub-sections for examples and parameters.
    param([string] $Path)
    $doc = @{ Synopsis = ''; Description = ''; Notes = ''; Examples = [System.Collections.Generic.List[object]]::new(); Parameters = @{} }
    $section = $null; $sub = $null; $buffer = [System.Text.StringBuilder]::new()
    $flush = {
        $text = $buffer.ToString().Trim()
        [void] $buffer.Clear()
        switch ($section) {
            'SYNOPSIS' { $doc.Synopsis = $text }
            'DESCRIPTION' { $doc.Description = $text }
            'NOTES' { $doc.Notes = $text }
            'EXAMPLES' {
                if ($sub) {
                    $m = [regex]::Match($text, '(?s)```(?:powershell)?\s*\n(?<code>.*?)\n```(?<remarks>.*)')
                    if (-not $m.Success) { throw "${Path}: example '$sub' has no powershell code block." }
                    $doc.Examples.Add([pscustomobject]@{ Title = $sub; Code = $m.Groups['code'].Value.Trim(); Remarks = $m.Groups['remarks'].Value.Trim() })
                }
            }
            'PARAMETERS' { if ($sub) { $doc.Parameters[$sub.TrimStart('-')] = $text } }
        }
    }
    foreach ($line in Get-Content $Path) {
        if ($line -match '^## (?<h>.+)$') { & $flush; $section = $Matches.h.Trim().ToUpperInvariant(); $sub = $null; continue }
        if ($line -match '^### (?<h>.+)$') { & $flush; $sub = $Matches.h.Trim(); continue }
        if ($line -match '^# ') { continue }
        [void] $buffer.AppendLine($line)
    }
    & $flush
    $doc
}

function Add-Paragraphs {
    # Blank-line separated paragraphs become maml:para elements.
    param([System.Xml.XmlWriter] $Writer, [string] $Text)
    foreach ($para in ($Text -split '\r?\n\s*\r?\n')) {
        $Writer.WriteElementString('maml', 'para', $ns.maml, ($para -replace '\s*\r?\n\s*', ' ').Trim())
    }
}

function Get-PipelineInputText {
    param([System.Management.Automation.ParameterMetadata] $Parameter)
    $ways = foreach ($attribute in $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }) {
        if ($attribute.ValueFromPipeline) { 'ByValue' }
        if ($attribute.ValueFromPipelineByPropertyName) { 'ByPropertyName' }
    }
    $ways = @($ways | Sort-Object -Unique)
    if ($ways.Count) { "True ($($ways -join ', '))" } else { 'False' }
}

function Write-Parameter {
    param([System.Xml.XmlWriter] $Writer, [System.Management.Automation.ParameterMetadata] $Parameter,
        [System.Management.Automation.CommandParameterInfo] $InSet, [string] $Description)
    $typeName = $Parameter.ParameterType.Name
    $isSwitch = $Parameter.SwitchParameter
    $Writer.WriteStartElement('command', 'parameter', $ns.command)
    $Writer.WriteAttributeString('required', ([string] [bool] ($InSet -and $InSet.IsMandatory)).ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', ([string] $Parameter.ParameterType.IsArray).ToLowerInvariant())
    $globbing = [bool] ($Parameter.Attributes | Where-Object { $_.GetType().Name -eq 'SupportsWildcardsAttribute' })
    $Writer.WriteAttributeString('globbing', ([string] $globbing).ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', (Get-PipelineInputText $Parameter))
    $position = if ($InSet -and $InSet.Position -ge 0) { [string] $InSet.Position } else { 'named' }
    $Writer.WriteAttributeString('position', $position)
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $ns.maml, $Parameter.Name)
    $Writer.WriteStartElement('maml', 'description', $ns.maml); Add-Paragraphs $Writer $Description; $Writer.WriteEndElement()
    if (-not $isSwitch) {
        $Writer.WriteStartElement('command', 'parameterValue', $ns.command)
        $Writer.WriteAttributeString('required', 'true')
        $Writer.WriteAttributeString('variableLength', ([string] $Parameter.ParameterType.IsArray).ToLowerInvariant())
        $Writer.WriteString($typeName)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $ns.dev)
    $Writer.WriteElementString('maml', 'name', $ns.maml, $Parameter.ParameterType.FullName)
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $ns.dev, $(if ($isSwitch) { 'False' } else { 'None' }))
    $Writer.WriteEndElement()
}

Import-Module (Resolve-Path $ModulePath).Path -Force
$moduleName = [IO.Path]::GetFileNameWithoutExtension($ModulePath)
$commands = Get-Command -Module $moduleName -CommandType Cmdlet | Sort-Object Name
$problems = [System.Collections.Generic.List[string]]::new()

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$null = New-Item -ItemType Directory -Force (Split-Path $OutputPath)
$writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
$writer.WriteStartDocument()
$writer.WriteStartElement('helpItems', $ns.msh)
$writer.WriteAttributeString('schema', 'maml')
foreach ($command in $commands) {
    $docPath = Join-Path $DocsPath "$($command.Name).md"
    if (-not (Test-Path $docPath)) { $problems.Add("$($command.Name): no $docPath"); continue }
    $doc = Read-CmdletDoc $docPath
    if (-not $doc.Synopsis) { $problems.Add("$($command.Name): no SYNOPSIS") }
    if ($doc.Examples.Count -lt 2) { $problems.Add("$($command.Name): fewer than two examples") }
    $parameters = $command.Parameters.Values | Where-Object { $_.Name -notin $commonParameters }
    foreach ($p in $parameters) {
        if (-not $doc.Parameters[$p.Name]) { $problems.Add("$($command.Name): parameter -$($p.Name) is not described") }
    }

    $writer.WriteStartElement('command', 'command', $ns.command)
    $writer.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $writer.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)
    $writer.WriteStartElement('command', 'details', $ns.command)
    $writer.WriteElementString('command', 'name', $ns.command, $command.Name)
    $writer.WriteElementString('command', 'verb', $ns.command, $command.Verb)
    $writer.WriteElementString('command', 'noun', $ns.command, $command.Noun)
    $writer.WriteStartElement('maml', 'description', $ns.maml); Add-Paragraphs $writer $doc.Synopsis; $writer.WriteEndElement()
    $writer.WriteEndElement()
    $writer.WriteStartElement('maml', 'description', $ns.maml); Add-Paragraphs $writer $doc.Description; $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $command.ParameterSets) {
        $writer.WriteStartElement('command', 'syntaxItem', $ns.command)
        $writer.WriteElementString('maml', 'name', $ns.maml, $command.Name)
        foreach ($inSet in $set.Parameters | Where-Object { $_.Name -notin $commonParameters }) {
            Write-Parameter $writer $command.Parameters[$inSet.Name] $inSet ([string] $doc.Parameters[$inSet.Name])
        }
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in $parameters) {
        $inSet = $command.ParameterSets.Parameters | Where-Object Name -EQ $p.Name | Sort-Object IsMandatory -Descending | Select-Object -First 1
        Write-Parameter $writer $p $inSet ([string] $doc.Parameters[$p.Name])
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'returnValues', $ns.command)
    foreach ($type in $command.OutputType) {
        $writer.WriteStartElement('command', 'returnValue', $ns.command)
        $writer.WriteStartElement('dev', 'type', $ns.dev)
        $writer.WriteElementString('maml', 'name', $ns.maml, $type.Name)
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    if ($doc.Notes) {
        $writer.WriteStartElement('maml', 'alertSet', $ns.maml)
        $writer.WriteStartElement('maml', 'alert', $ns.maml); Add-Paragraphs $writer $doc.Notes; $writer.WriteEndElement()
        $writer.WriteEndElement()
    }

    $writer.WriteStartElement('command', 'examples', $ns.command)
    foreach ($example in $doc.Examples) {
        $writer.WriteStartElement('command', 'example', $ns.command)
        $writer.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($example.Title) --------------------------")
        $writer.WriteElementString('dev', 'code', $ns.dev, $example.Code)
        $writer.WriteStartElement('dev', 'remarks', $ns.dev); Add-Paragraphs $writer $example.Remarks; $writer.WriteEndElement()
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()
    $writer.WriteEndElement()
}
$writer.WriteEndElement()
$writer.WriteEndDocument()
$writer.Dispose()

# Missing prose is reported, not fatal: the Pester help test is what holds the line.
foreach ($problem in $problems) { Write-Warning "help: $problem" }
Write-Host "Help for $($commands.Count) cmdlets written to $OutputPath"
