using System.Management.Automation;
using PodTools.Engine.Bulk;
using PodTools.Engine.Errors;
using PodTools.Engine.Model;
using PodTools.Engine.Pods;

namespace PodTools;

/// <summary>
/// Shared body of Remove-KPod and Wait-KPod: pods resolved on the pipeline thread are fed into one running bulk run
/// while input still arrives; outcomes and errors are written on the pipeline thread as they come back (progress,
/// engine messages and the Ctrl+C report by <see cref="PipelineBulkRun{TItem,TResult}"/>), and a verbose summary
/// ends the command.
/// </summary>
/// <remarks>
/// Items and results are plain objects on purpose: PowerShell reads the base-type chain of every exported cmdlet
/// while importing, before the module's load context can supply PodTools.Engine, so engine types must not appear
/// as generic arguments of a base class.
/// </remarks>
public abstract class PodBulkCmdlet : NamespacedKubeCmdlet
{
    private PipelineBulkRun<object, object?>? _bulk;

    /// <summary>Most pods worked on at once.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 16;

    /// <summary>Items handed to the bulk run so far.</summary>
    protected int Submitted => _bulk?.Submitted ?? 0;

    /// <summary>Items the user declined (ShouldProcess) or -WhatIf skipped.</summary>
    protected int Declined { get; set; }

    protected int Succeeded { get; private set; }

    protected int Failed { get; private set; }

    /// <summary>The per-item operation; called once, when the first item is submitted (the connection is ready by then).</summary>
    private protected abstract Func<object, CancellationToken, Task<object?>> CreateOperation();

    /// <summary>Writes what a successful item produced.</summary>
    private protected abstract void OnSucceeded(object item, object? result, int attempts);

    /// <summary>The error target and a fallback id for an error that is not an engine error.</summary>
    private protected abstract string DescribeTarget(object item);

    /// <summary>Pass-through for <see cref="BulkOptions.MaxAttempts"/>: waits are not retried as a whole.</summary>
    private protected virtual int MaxAttempts => new BulkOptions().MaxAttempts;

    private PipelineBulkRun<object, object?> Bulk => _bulk ??= new(this, "pod", CreateOperation,
        new BulkOptions { ThrottleLimit = ThrottleLimit, MaxAttempts = MaxAttempts }, Handle);

    protected override void EndProcessing()
    {
        var summary = _bulk?.Complete();
        WriteVerbose(SummaryText(summary));
    }

    /// <summary>Hands one item to the bulk run (started on first use).</summary>
    private protected void Submit(object item) => Bulk.Submit(item);

    /// <summary>Writes the outcomes that are ready (after waiting for at least one, when <paramref name="block"/>).</summary>
    private protected void Drain(bool block)
    {
        if (_bulk is null)
        {
            return;
        }

        if (block)
        {
            _bulk.WaitAndWriteReady();
        }
        else
        {
            _bulk.WriteReady();
        }
    }

    /// <summary>Every pod of <paramref name="ns"/> that <paramref name="selector"/> selects, read page by page.</summary>
    private protected List<KPod> ListPods(string ns, string? selector)
    {
        var service = new PodService(Connection);
        var request = new PodListRequest { Namespace = ns, LabelSelector = selector };
        WriteVerbose(selector is null ? $"Listing pods in namespace '{ns}'." : $"Listing pods matching '{selector}' in namespace '{ns}'.");
        return Await(async token =>
        {
            var pods = new List<KPod>();
            await foreach (var page in service.ListPagesAsync(request, token).ConfigureAwait(false))
            {
                pods.AddRange(page);
            }

            return pods;
        }) ?? [];
    }

    /// <summary>The pods of <paramref name="ns"/> whose names match any of <paramref name="patterns"/>.</summary>
    private protected List<KPod> ListMatching(string ns, IReadOnlyCollection<WildcardPattern> patterns)
    {
        var matching = ListPods(ns, null).Where(pod => patterns.Any(p => p.IsMatch(pod.Name))).ToList();
        if (matching.Count == 0)
        {
            WriteVerbose($"No pod in namespace '{ns}' matches '{string.Join("', '", patterns.Select(p => p.ToString()))}'.");
        }

        return matching;
    }

    /// <summary>The ShouldProcess target of one pod.</summary>
    protected static string PodTarget(string name, string ns) => $"pod '{name}' in namespace '{ns}'";

    private void Handle(BulkOutcome<object, object?> outcome)
    {
        switch (outcome.Status)
        {
            case BulkItemStatus.Succeeded:
                Succeeded++;
                OnSucceeded(outcome.Item, outcome.Result, outcome.Attempts);
                break;
            case BulkItemStatus.Failed:
                Failed++;
                WriteError(outcome.Error is KubeEngineException engine
                    ? ToErrorRecord(engine)
                    : new ErrorRecord(outcome.Error!, "PodOperationFailed", ErrorCategory.NotSpecified, DescribeTarget(outcome.Item)));
                break;
        }
    }

    private string SummaryText(BulkSummary? summary)
    {
        string text = $"{MyInvocation.MyCommand.Name}: {Succeeded} succeeded, {Failed} failed";
        if (Declined > 0)
        {
            text += $", {Declined} skipped (declined or -WhatIf)";
        }

        if (summary is not null)
        {
            text += $"; {summary.Retries} retries in {summary.Elapsed.TotalSeconds:0.0#} s";
        }

        return text + ".";
    }
}
