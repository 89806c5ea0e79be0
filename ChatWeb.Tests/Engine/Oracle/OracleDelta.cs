namespace ChatWeb.Tests.Engine.Oracle;

/// <summary>The oracle's measure of agreement (MANIFEST.md, "Tolerances"): Δ = max |logit − reference|
/// over all compared rows and the vocabulary, divided by max |reference logit| over the same rows.</summary>
internal static class OracleDelta
{
    public static double Of(float[][] actual, float[][] reference)
    {
        Assert.Equal(reference.Length, actual.Length);
        double worst = 0, scale = 0;
        for (var r = 0; r < reference.Length; r++)
        {
            Assert.Equal(reference[r].Length, actual[r].Length);
            for (var v = 0; v < reference[r].Length; v++)
            {
                worst = Math.Max(worst, Math.Abs((double)actual[r][v] - reference[r][v]));
                scale = Math.Max(scale, Math.Abs((double)reference[r][v]));
            }
        }
        return worst / scale;
    }

    /// <summary>The id of the largest logit, the lowest id on ties (as llama.cpp's greedy sampler).</summary>
    public static int Argmax(float[] logits)
    {
        var best = 0;
        for (var v = 1; v < logits.Length; v++)
        {
            if (logits[v] > logits[best])
                best = v;
        }
        return best;
    }

    /// <summary>Rows whose argmax agrees.</summary>
    public static int ArgmaxAgreement(float[][] actual, float[][] reference) =>
        actual.Zip(reference, (a, r) => Argmax(a) == Argmax(r) ? 1 : 0).Sum();
}
