namespace PortfolioGroups;

/// <summary>What the drift check found (<see cref="PortfolioStore.CheckSchemaAsync"/>).</summary>
/// <param name="Differences">Each difference between the database's tables and the library's model, as one sentence; empty when they match.</param>
public sealed record SchemaCheckResult(IReadOnlyList<string> Differences)
{
    /// <summary>Whether the database's tables differ from the model.</summary>
    public bool HasDrift => Differences.Count > 0;
}
