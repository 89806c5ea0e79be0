using System.Numerics.Tensors;

namespace ChatWeb.Engine.Model;

/// <summary>The element-wise steps of the forward pass, named after the math; vectorised by TensorPrimitives.</summary>
internal static class Ops
{
    /// <summary>o = x / sqrt(mean(x²) + eps) ⊙ weight.</summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> o, float epsilon)
    {
        var meanSquare = TensorPrimitives.SumOfSquares(x) / x.Length;
        var scale = 1f / MathF.Sqrt(meanSquare + epsilon);
        TensorPrimitives.Multiply(x, scale, o);
        TensorPrimitives.Multiply(o, weight, o);
    }

    /// <summary>
    /// Rotates the first <c>cos.Length * 2</c> dimensions of every head in <paramref name="heads"/>
    /// (heads of <paramref name="headDim"/> each) by the angles whose cosines and sines are given.
    /// </summary>
    public static void Rope(Span<float> heads, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, RopeStyle style)
    {
        var pairs = cos.Length;
        // Normal: pair i is (2i, 2i+1). NeoX: pair i is (i, i + ropeDims/2).
        var (stride, partner) = style == RopeStyle.Normal ? (2, 1) : (1, pairs);
        for (var h = 0; h < heads.Length; h += headDim)
        {
            var head = heads.Slice(h, headDim);
            for (var i = 0; i < pairs; i++)
            {
                var a = i * stride;
                var x0 = head[a];
                var x1 = head[a + partner];
                head[a] = x0 * cos[i] - x1 * sin[i];
                head[a + partner] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }

    /// <summary>x = exp(x - max) / Σ exp(x - max), in place.</summary>
    public static void Softmax(Span<float> x)
    {
        var max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        TensorPrimitives.Divide(x, TensorPrimitives.Sum(x), x);
    }

    /// <summary>gate = silu(gate) ⊙ up, where silu(g) = g·σ(g); <paramref name="scratch"/> is as long as gate.</summary>
    public static void SwiGlu(Span<float> gate, ReadOnlySpan<float> up, Span<float> scratch)
    {
        TensorPrimitives.Sigmoid(gate, scratch);
        TensorPrimitives.Multiply(gate, scratch, gate);
        TensorPrimitives.Multiply(gate, up, gate);
    }

    /// <summary>gate = gelu(gate) ⊙ up with GELU's tanh form, gelu(g) = g/2 · (1 + tanh(√(2/π)·(g + 0.044715·g³))); <paramref name="scratch"/> is as long as gate.</summary>
    public static void GeluGlu(Span<float> gate, ReadOnlySpan<float> up, Span<float> scratch)
    {
        const float sqrtTwoOverPi = 0.7978845608f;
        TensorPrimitives.Multiply(gate, gate, scratch);                  // g²
        TensorPrimitives.Multiply(scratch, 0.044715f, scratch);
        TensorPrimitives.Add(scratch, 1f, scratch);                      // 1 + 0.044715·g²
        TensorPrimitives.Multiply(scratch, gate, scratch);               // g + 0.044715·g³
        TensorPrimitives.Multiply(scratch, sqrtTwoOverPi, scratch);
        TensorPrimitives.Tanh(scratch, scratch);
        TensorPrimitives.Add(scratch, 1f, scratch);
        TensorPrimitives.Multiply(scratch, 0.5f, scratch);               // (1 + tanh(…)) / 2
        TensorPrimitives.Multiply(gate, scratch, gate);
        TensorPrimitives.Multiply(gate, up, gate);
    }

    /// <summary>x = cap · tanh(x / cap), in place: Gemma 2's soft-capping of attention scores and logits.</summary>
    public static void SoftCap(Span<float> x, float cap)
    {
        TensorPrimitives.Multiply(x, 1f / cap, x);
        TensorPrimitives.Tanh(x, x);
        TensorPrimitives.Multiply(x, cap, x);
    }
}
