namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// Marks a side-by-side benchmark class: its methods <c>Library</c>, <c>Raw</c> and <c>EfCore</c>
/// answer the same question three ways, and <c>--table</c> puts them in one row per case and
/// database. <see cref="Case"/> names the question; the class's parameters other than <c>Db</c>
/// are appended to it.
/// </summary>
/// <remarks>
/// To add a case (a new library API, such as a streaming read or a set query), write a class that
/// derives from <see cref="DatabaseBenchmark"/>, carries this attribute and
/// <c>[Config(typeof(ComparisonConfig))]</c>, and has the three methods; nothing else changes.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ComparisonAttribute(string @case) : Attribute
{
    /// <summary>What the three methods do, in a few words.</summary>
    public string Case { get; } = @case;

    /// <summary>Where the rows of this class go in the table: lower first.</summary>
    public int Order { get; init; }
}

/// <summary>The method names of a side-by-side class.</summary>
public static class Sides
{
    public const string Library = nameof(Library);
    public const string Raw = nameof(Raw);
    public const string EfCore = nameof(EfCore);
}
