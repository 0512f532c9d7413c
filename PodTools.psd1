@{
    RootModule           = 'PodTools.dll'
    # build.ps1 writes the version from Directory.Build.props into the copy in out/.
    ModuleVersion        = '0.1.0'
    GUID                 = '5f3c8a52-8d0e-4f43-9d7b-2b1f0c6a7e41'
    Author               = 'PodTools contributors'
    Description          = 'Kubernetes pods from PowerShell: typed objects, pipelines, kubeconfig contexts.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('PodTools.Format.ps1xml', 'KNamespace.Format.ps1xml', 'KNode.Format.ps1xml', 'KPodContainer.Format.ps1xml', 'KPodLog.Format.ps1xml', 'KPortForward.Format.ps1xml', 'KPodEvent.Format.ps1xml', 'KPodLabels.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-KContext'
        'Get-KNamespace'
        'Get-KNode'
        'ConvertTo-KJson'
        'ConvertTo-KYaml'
        'Get-KPod'
        'Get-KPodContainer'
        'New-KContainerSpec'
        'New-KPod'
        'New-KNamespace'
        'Remove-KNamespace'
        'Remove-KPod'
        'Wait-KPod'
        'Use-KContext'
        'Set-KPodLabel'
        'Set-KPodAnnotation'
        'Set-KNodeLabel'
        'Set-KNamespaceLabel'
        'ConvertTo-KSelector'
        'Enter-KPodContainer'
        'Invoke-KPodCommand'
        'Get-KPodLog'
        'Start-KPodPortForward'
        'Stop-KPodPortForward'
        'Invoke-KPodPortForward'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('Kubernetes', 'Pods', 'kubectl')
        }
    }
}
