namespace PodTools.Engine.Errors;

/// <summary>
/// The kind of failure, named after the PowerShell ErrorCategory the cmdlet layer maps it to
/// (the engine cannot reference System.Management.Automation, so the names are the contract).
/// </summary>
public enum KubeErrorCategory
{
    NotSpecified,
    AuthenticationError,
    PermissionDenied,
    ObjectNotFound,
    ResourceExists,
    ResourceBusy,
    InvalidData,
    InvalidArgument,
    InvalidOperation,
    ConnectionError,
    OperationTimeout,
    LimitsExceeded,
    ResourceUnavailable,
}
