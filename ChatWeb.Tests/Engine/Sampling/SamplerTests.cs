using ChatWeb.Engine.Sampling;

namespace ChatWeb.Tests.Engine.Sampling;

public sealed class SamplerTests
{
    // probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 at temperature 1
    private static readonly float[] Logits = [MathF.Log(8), MathF.Log(4), MathF.Log(2), 0f, 0f];

    private static int[] Draw(SamplerOptions options, int count, float[]? logits = null, int[]? history = null)
    {
        logits ??= Logits;
        var sampler = new Sampler(options, logits.Length);
        return Enumerable.Range(0, count).Select(_ => sampler.Sample(logits, history)).ToArray();
    }

    private static double[] Frequencies(int[] draws, int vocab) =>
        Enumerable.Range(0, vocab).Select(id => draws.Count(d => d == id) / (double)draws.Length).ToArray();

    [Fact]
    public void Greedy_PicksTheHighestLogit()
    {
        Assert.All(Draw(new SamplerOptions(), 10, [0.1f, 3f, -2f, 2.9f]), id => Assert.Equal(1, id));
    }

    [Fact]
    public void SameSeed_GivesTheSameTokens_OtherSeedOthers()
    {
        var options = new SamplerOptions { Temperature = 1f, Seed = 42 };

        Assert.Equal(Draw(options, 200), Draw(options, 200));
        Assert.NotEqual(Draw(options, 200), Draw(options with { Seed = 43 }, 200));
    }

    [Fact]
    public void Temperature1_DrawsInProportionToSoftmax()
    {
        var frequencies = Frequencies(Draw(new SamplerOptions { Temperature = 1f, Seed = 7 }, 40_000), 5);

        double[] expected = [0.5, 0.25, 0.125, 0.0625, 0.0625];
        for (var i = 0; i < 5; i++)
            Assert.Equal(expected[i], frequencies[i], 0.01);
    }

    [Fact]
    public void HighTemperature_FlattensTheDistribution()
    {
        var frequencies = Frequencies(Draw(new SamplerOptions { Temperature = 100f, Seed = 7 }, 20_000), 5);

        Assert.All(frequencies, f => Assert.Equal(0.2, f, 0.02));
    }

    [Fact]
    public void TopK_DrawsOnlyFromTheKMostLikely()
    {
        var frequencies = Frequencies(Draw(new SamplerOptions { Temperature = 1f, TopK = 2, Seed = 1 }, 20_000), 5);

        Assert.Equal(2 / 3.0, frequencies[0], 0.015);
        Assert.Equal(1 / 3.0, frequencies[1], 0.015);
        Assert.Equal(0, frequencies[2] + frequencies[3] + frequencies[4]);
    }

    [Fact]
    public void TopP_KeepsTheSmallestSetReachingP()
    {
        // 0.5 + 0.25 = 0.75 < 0.8, so the nucleus is the first three tokens
        var draws = Draw(new SamplerOptions { Temperature = 1f, TopP = 0.8f, Seed = 3 }, 20_000);

        Assert.Equal([0, 1, 2], draws.Distinct().Order());
        Assert.Equal(0.5 / 0.875, Frequencies(draws, 5)[0], 0.015);
    }

    [Fact]
    public void TopP_OnALargeVocabulary_KeepsOnlyTheNucleus()
    {
        var logits = new float[150_000];
        logits[10] = 20f;
        logits[20] = 19f;
        var draws = Draw(new SamplerOptions { Temperature = 1f, TopP = 0.9f, Seed = 5 }, 500, logits);

        Assert.Equal([10, 20], draws.Distinct().Order());
    }

    [Fact]
    public void MinP_DropsTokensBelowAFractionOfTheBest()
    {
        var draws = Draw(new SamplerOptions { Temperature = 1f, MinP = 0.3f, Seed = 9 }, 5_000);

        Assert.Equal([0, 1], draws.Distinct().Order());
    }

    [Fact]
    public void RepetitionPenalty_StopsGreedyRepeatingASeenToken()
    {
        float[] logits = [2f, 1.5f, -1f];

        Assert.Equal(0, Draw(new SamplerOptions(), 1, logits, history: [0])[0]);
        Assert.Equal(1, Draw(new SamplerOptions { RepetitionPenalty = 1.5f }, 1, logits, history: [0, 0, 0])[0]);
    }

    [Fact]
    public void InvalidOptions_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplerOptions { TopP = 0f }, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplerOptions { MinP = 2f }, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplerOptions { RepetitionPenalty = 0f }, 5));
    }
}
