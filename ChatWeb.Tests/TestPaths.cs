namespace ChatWeb.Tests;

/// <summary>Where the repository and the shared test data (../shared/models beside it) are.</summary>
internal static class TestPaths
{
    /// <summary>The folder holding ChatWeb.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The shared models folder beside the repository (never copied into it).</summary>
    public static string Models => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "models"));

    public static string Model(params string[] parts) => Path.Combine([Models, .. parts]);

    /// <summary>The shared llama.cpp reference set beside the repository (../shared/oracle, see its MANIFEST.md).</summary>
    public static string Oracle => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "oracle"));

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ChatWeb.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ChatWeb.sln not found above " + AppContext.BaseDirectory);
    }
}
