using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace PodTools;

/// <summary>
/// The module's private load context: PodTools.Engine and its dependencies (KubernetesClient, YamlDotNet,
/// Fractions, Polly) load from deps/ here, so another module's YamlDotNet in the session cannot clash with ours.
/// </summary>
internal sealed class PodToolsLoadContext : AssemblyLoadContext
{
    private readonly string _directory;

    public PodToolsLoadContext(string directory)
        : base("PodTools", isCollectible: false) => _directory = directory;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Anything not shipped in deps/ (the framework) comes from the default context as usual.
        string path = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}

/// <summary>
/// Import/remove hooks: route the default context's request for PodTools.Engine (and only that) to the
/// private context. The handler is registered once however often the module is imported.
/// </summary>
/// <remarks>
/// PowerShell loads every exported type of PodTools.dll before it calls <see cref="OnImport"/>. So a public
/// type here must not need the engine just to load: no engine interface implemented, no engine value type
/// (enums included) as a field or auto-property, no engine generic base. Use such types in method bodies,
/// in internal types, or as reference-type members only.
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "PodTools.Engine";
    private static readonly object s_gate = new();
    private static PodToolsLoadContext? s_loadContext;
    private static bool s_registered;

    public void OnImport()
    {
        lock (s_gate)
        {
            if (s_registered)
            {
                return;
            }

            string moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
            string deps = Path.Combine(moduleDirectory, "deps");
            // The context outlives Remove-Module: the CLR keeps the engine bound to PodTools.dll once resolved.
            s_loadContext ??= new PodToolsLoadContext(Directory.Exists(deps) ? deps : moduleDirectory);
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
            s_registered = true;
        }
    }

    public void OnRemove(PSModuleInfo module)
    {
        // Before unhooking: releasing the cached clients needs the engine.
        ReleaseRunspaceState();
        lock (s_gate)
        {
            if (s_registered)
            {
                AssemblyLoadContext.Default.Resolving -= ResolveEngine;
                s_registered = false;
            }
        }
    }

    // Kept out of OnImport/OnRemove bodies so the JIT does not need the engine before the handler exists.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ReleaseRunspaceState()
    {
        // Forwards hold local ports and WebSockets: Remove-Module ends them rather than leaving them orphaned.
        PortForwardSessions.StopAll();
        RunspaceState.Release();
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal) && s_loadContext is not null
            ? s_loadContext.LoadFromAssemblyName(name)
            : null;
}
