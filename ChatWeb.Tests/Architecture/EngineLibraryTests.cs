using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using ChatWeb.Engine.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ChatWeb.Tests.Architecture;

/// <summary>
/// ChatWeb.Engine is a library of its own: it knows nothing of ASP.NET Core, the web app sees only its
/// public API, and the README's sample compiles against that API alone.
/// </summary>
public sealed partial class EngineLibraryTests
{
    private static readonly Assembly Engine = typeof(Transformer).Assembly;

    [Fact]
    public void TheEngine_ReferencesNoAspNetCoreAssembly()
    {
        var references = Engine.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Microsoft.Extensions.AI.Abstractions", references); // sanity: the list is real
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void OnlyTheTests_SeeTheEnginesInternals_NotTheWebApp()
    {
        var friends = Engine.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName).ToList();

        Assert.Equal(["ChatWeb.Tests"], friends);
        Assert.Contains(typeof(Program).Assembly.GetReferencedAssemblies(), a => a.Name == Engine.GetName().Name);
    }

    [Fact]
    public void TheReadmeSample_CompilesAgainstThePublicApiAlone()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        var sample = SampleBlock().Match(readme);
        Assert.True(sample.Success, "README.md has no ```csharp block after \"Using the engine from code\".");

        // Compiled as an assembly of another name: InternalsVisibleTo("ChatWeb.Tests") does not apply to it.
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(Engine.Location)
            .Append(typeof(Microsoft.Extensions.AI.IChatClient).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.Logging.Abstractions.NullLogger).Assembly.Location)
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("ReadmeSample",
            [CSharpSyntaxTree.ParseText(sample.Groups[1].Value, parse), CSharpSyntaxTree.ParseText(ImplicitUsings, parse)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        using var output = new MemoryStream();
        var result = compilation.Emit(output);

        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(result.Success, "The README sample does not compile:\n" + string.Join("\n", errors));
    }

    /// <summary>What a console project with ImplicitUsings (the template's default) has.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [GeneratedRegex(@"Using the engine from code.*?```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SampleBlock();
}
