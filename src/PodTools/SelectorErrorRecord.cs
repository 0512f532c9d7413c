using System.Management.Automation;
using PodTools.Engine.Selectors;

namespace PodTools;

/// <summary>The InvalidSelector error of the pod cmdlets: kubectl's message plus the selector with a caret under the offending position.</summary>
internal static class SelectorErrorRecord
{
    public static ErrorRecord Create(SelectorSyntaxException error)
    {
        var record = new ErrorRecord(error, "InvalidSelector", ErrorCategory.InvalidArgument, error.Selector);
        record.ErrorDetails = new ErrorDetails(
            $"Invalid label selector: {error.Message}{Environment.NewLine}  {error.Selector}{Environment.NewLine}  {error.PositionMarker}");
        return record;
    }
}
