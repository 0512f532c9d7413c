// Engine assembly: Kubernetes logic with no PowerShell dependency.
