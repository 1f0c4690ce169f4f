namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// Marks a side-by-side benchmark class: its methods <c>Library</c>, <c>Raw</c> and <c>EfCore</c>
/// answer the same question three ways, and <c>--table</c> puts them in one row per case and
/// database. <see cref="Case"/> names the question; the class's parameters other than <c>Db</c>
/// are appended to it.
/// </summary>
/// <remarks>
/// A class may have several raw methods (any method whose name starts with <c>Raw</c>, such as
/// <c>RawUnnest</c> and <c>RawCopy</c>): the table's raw median is the fastest of them, and a
/// footnote names which one it was. A method named <c>Loop</c> (the library's single-row call in a
/// loop) gets its own column, shown only when some class has one.
/// </remarks>
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

    /// <summary>The raw side, or the start of the name of each of several raw candidates.</summary>
    public const string Raw = nameof(Raw);

    public const string EfCore = nameof(EfCore);

    /// <summary>The library's single-row call, once per row.</summary>
    public const string Loop = nameof(Loop);

    public static bool IsRaw(string method) => method.StartsWith(Raw, StringComparison.Ordinal);
}

/// <summary>
/// Runs a benchmark method only on the databases named (the <c>Db</c> parameter), such as a raw
/// path that exists on one engine only; the comparison configs leave out its other cases, and
/// <c>--smoke</c> skips them.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class OnlyOnAttribute(params string[] databases) : Attribute
{
    public IReadOnlyList<string> Databases { get; } = databases;

    /// <summary>Whether <paramref name="method"/> runs on database <paramref name="db"/>.</summary>
    public static bool Runs(System.Reflection.MethodInfo method, string? db) =>
        method.GetCustomAttributes(typeof(OnlyOnAttribute), inherit: true) is not [OnlyOnAttribute only, ..]
        || db is null
        || only.Databases.Contains(db);

    /// <summary>The BenchmarkDotNet filter that leaves out the cases <see cref="Runs"/> rejects.</summary>
    public static BenchmarkDotNet.Filters.IFilter Filter { get; } = new BenchmarkDotNet.Filters.SimpleFilter(
        b => Runs(b.Descriptor.WorkloadMethod, b.Parameters.Items.FirstOrDefault(p => p.Name == nameof(DatabaseBenchmark.Db))?.Value as string));
}
