namespace ChatWeb.Engine.Tensors;

/// <summary>
/// A block type whose weights are d·u_n − dmin·min_g: u_n a small integer (its sub-block scale
/// multiplied in, |u| ≤ 4096) and, for types with minimums, min_g the integer minimum of the group of
/// <see cref="MinGroupSize"/> weights holding n. The types of this shape (<see cref="Q4_1"/>,
/// <see cref="Q5_0"/>, <see cref="Q5_1"/>, <see cref="IQ4_NL"/>, <see cref="Q2_K"/>,
/// <see cref="Q3_K"/>, <see cref="Q5_K"/>, <see cref="IQ4_XS"/>) say only how to read one block;
/// <see cref="UnpackedBlockKernels"/> holds the scalar reference and the vector loops they share.
/// </summary>
internal unsafe interface IUnpackedBlock<TSelf> : IQuantizedBlock<TSelf> where TSelf : unmanaged, IUnpackedBlock<TSelf>
{
    /// <summary>d, the block's scale.</summary>
    static abstract float Scale(TSelf* block);

    /// <summary>dmin, the scale of the minimums (0 for types without them).</summary>
    static abstract float MinScale(TSelf* block);

    /// <summary>Weights sharing one minimum (16 or 32); 0 for types without minimums.</summary>
    static abstract int MinGroupSize { get; }

    /// <summary>u_n, integer weight <paramref name="n"/> of the block, read one at a time (the reference).</summary>
    static abstract int U(TSelf* block, int n);

    /// <summary>min_g, the integer minimum of group <paramref name="g"/>.</summary>
    static abstract int Min(TSelf* block, int g);

    /// <summary>Writes all u_n of the block as int16 with vector operations (AVX2; called at the
    /// 256- and 512-bit levels).</summary>
    static abstract void Unpack256(TSelf* block, short* weights);
}
