using System.Reflection;

namespace ChatWeb.Engine.Onnx;

/// <summary>
/// Which ONNX Runtime GenAI package this build carries (the MSBuild property <c>OnnxRuntimeGenAIFlavour</c>)
/// and the execution providers it can run: Cpu only the CPU, Cuda also NVIDIA GPUs, DirectML also Windows GPUs.
/// </summary>
internal static class OnnxRuntimeFlavour
{
    /// <summary>"Cpu", "Cuda" or "DirectML".</summary>
    public static string Current { get; } = typeof(OnnxRuntimeFlavour).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "OnnxRuntimeGenAIFlavour")?.Value ?? "Cpu";

    /// <summary>The providers this build can run, as ChatWeb:Model:ExecutionProvider names them.</summary>
    public static IReadOnlyList<string> Providers => ProvidersOf(Current);

    public static IReadOnlyList<string> ProvidersOf(string flavour) => flavour switch
    {
        "Cuda" => ["cpu", "cuda"],
        "DirectML" => ["cpu", "dml"],
        _ => ["cpu"],
    };

    /// <summary>The flavour to build for <paramref name="provider"/>, and its package.</summary>
    public static (string Flavour, string Package) FlavourFor(string provider) => provider switch
    {
        "cuda" => ("Cuda", "Microsoft.ML.OnnxRuntimeGenAI.Cuda"),
        "dml" => ("DirectML", "Microsoft.ML.OnnxRuntimeGenAI.DirectML"),
        _ => ("Cpu", "Microsoft.ML.OnnxRuntimeGenAI"),
    };

    /// <summary>Throws <see cref="OnnxModelException"/> naming the flavour to build when this build lacks <paramref name="provider"/>.</summary>
    public static void Require(string provider)
    {
        if (Providers.Contains(provider))
            return;
        var (flavour, package) = FlavourFor(provider);
        throw new OnnxModelException(
            $"ChatWeb:Model:ExecutionProvider = {provider} needs ONNX Runtime GenAI's {flavour} flavour, but this build has the {Current} flavour. " +
            $"Build with -p:OnnxRuntimeGenAIFlavour={flavour} (package {package}), or set ChatWeb:Model:ExecutionProvider to {string.Join(" or ", Providers)}.");
    }
}
