using System.Globalization;
using System.Runtime.InteropServices;
using PodTools.TestCluster;

// Standalone test cluster for Pester, the demo and benchmarks: prints one READY line, then serves until stdin
// reaches EOF or SIGTERM/SIGINT arrives, and stops every container process on the way out.
TestClusterOptions options;
try
{
    options = ParseArguments(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: PodTools.TestCluster [--port N] [--kubeconfig PATH] [--workdir DIR] [--time-scale X] [--latency-ms N]");
    return 2;
}

using var stop = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

await using var host = await TestClusterHost.StartAsync(options, stop.Token);
Console.Out.WriteLine($"TESTCLUSTER READY kubeconfig={host.KubeconfigPath} server={host.ServerUrl}");
Console.Out.Flush();

var stdinClosed = Task.Run(() =>
{
    using var stdin = Console.OpenStandardInput();
    var buffer = new byte[256];
    while (stdin.Read(buffer, 0, buffer.Length) > 0)
    {
    }
});
await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
return 0;

static TestClusterOptions ParseArguments(string[] args)
{
    var options = new TestClusterOptions();
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--port": options.Port = int.Parse(Value(), CultureInfo.InvariantCulture); break;
            case "--kubeconfig": options.KubeconfigPath = Value(); break;
            case "--workdir": options.WorkDirectory = Value(); break;
            case "--time-scale":
                options.TimeScale = double.Parse(Value(), CultureInfo.InvariantCulture);
                if (!(options.TimeScale > 0)) throw new ArgumentException("--time-scale must be positive");
                break;
            case "--latency-ms": options.LatencyMs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
            default: throw new ArgumentException($"unknown argument {args[i]}");
        }
    }
    return options;
}
