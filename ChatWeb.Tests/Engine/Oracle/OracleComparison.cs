using System.Globalization;

namespace ChatWeb.Tests.Engine.Oracle;

/// <summary>
/// An <see cref="OracleRun"/> held to its file's references as MANIFEST.md says: F32 files to
/// Δ ≤ 1e-4 against <c>.logits.bin</c> with every argmax (prompt positions and greedy ids) equal;
/// every other file to its tolerance against <c>.exact.bin</c> (both prompt runs) and against
/// llama.cpp's own <c>.logits.bin</c> and <c>.greedy-logits.bin</c>, with argmax agreement reported
/// but not required (the random models have near-ties that llama.cpp itself flips).
/// </summary>
internal sealed record OracleComparison(
    OracleFile File,
    double BatchVsExact,
    double SingleVsExact,
    double BatchVsLlama,
    double TeacherForcedVsLlama,
    int ArgmaxAgreeingWithLlama,
    int GreedyIdsAgreeing)
{
    public const double F32Tolerance = 1e-4;

    public static OracleComparison Of(OracleFile file, OracleRun run)
    {
        var exact = file.Exact();
        var logits = file.Logits();
        var greedyLogits = file.GreedyLogits();
        var greedy = file.Greedy();
        // greedy id 0 is the argmax of the last prompt row; id k + 1 that of teacher-forced row k
        var predicted = new[] { OracleDelta.Argmax(run.PromptBatch[^1]) }.Concat(run.TeacherForced.Take(greedy.Length - 1).Select(OracleDelta.Argmax));
        return new OracleComparison(
            file,
            OracleDelta.Of(run.PromptBatch, exact),
            OracleDelta.Of(run.PromptSingle, exact),
            OracleDelta.Of(run.PromptBatch, logits),
            OracleDelta.Of(run.TeacherForced, greedyLogits),
            OracleDelta.ArgmaxAgreement(run.PromptBatch, logits),
            predicted.Zip(greedy, (p, g) => p == g ? 1 : 0).Sum());
    }

    public double Tolerance => File.IsF32 ? F32Tolerance : File.Tolerance;

    /// <summary>The largest of the four Δs.</summary>
    public double Worst => new[] { BatchVsExact, SingleVsExact, BatchVsLlama, TeacherForcedVsLlama }.Max();

    public static string Header =>
        "| file | tolerance | Δ batch vs exact | Δ one-by-one vs exact | Δ batch vs llama.cpp | Δ teacher-forced vs llama.cpp | argmax = llama.cpp | greedy ids = llama.cpp |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|";

    public string Row => string.Create(CultureInfo.InvariantCulture,
        $"| {File.Name} | {Tolerance:g2} | {BatchVsExact:0.0000e0} | {SingleVsExact:0.0000e0} | {BatchVsLlama:0.0000e0} | {TeacherForcedVsLlama:0.0000e0} | {ArgmaxAgreeingWithLlama}/{OracleFile.Rows} | {GreedyIdsAgreeing}/{OracleFile.Rows} |");

    /// <summary>Fails with the row and every measure out of tolerance.</summary>
    public void AssertWithinTolerance()
    {
        var failures = new List<string>();
        Check("batch vs exact", BatchVsExact);
        Check("one-by-one vs exact", SingleVsExact);
        Check("batch vs llama.cpp", BatchVsLlama);
        Check("teacher-forced vs llama.cpp", TeacherForcedVsLlama);
        if (File.IsF32 && ArgmaxAgreeingWithLlama != OracleFile.Rows)
            failures.Add($"argmax agrees at {ArgmaxAgreeingWithLlama} of {OracleFile.Rows} prompt positions");
        if (File.IsF32 && GreedyIdsAgreeing != OracleFile.Rows)
            failures.Add($"{GreedyIdsAgreeing} of {OracleFile.Rows} greedy ids agree");
        Assert.True(failures.Count == 0, $"{File.Name}: {string.Join("; ", failures)}\n{Header}\n{Row}");

        void Check(string what, double delta)
        {
            if (!(delta <= Tolerance))
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"Δ {what} = {delta:g3} > {Tolerance:g2}"));
        }
    }
}
