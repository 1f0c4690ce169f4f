using PortfolioGroups.Schema;

namespace PortfolioGroups.Tests.Schema;

public sealed class SchemaModelLookupTests
{
    [Test]
    public void Tables_can_be_found_by_identifier_or_physical_name()
    {
        SchemaModel.FindTable("PortfolioGroup").Should().BeSameAs(SchemaModel.PortfolioGroup);
        SchemaModel.FindTable("portfolio_group_membership").Should().BeSameAs(SchemaModel.PortfolioGroupMembership);
        SchemaModel.FindTable("nothing").Should().BeNull();
        SchemaModel.PortfolioGroup.GetColumn("metadata_json").Kind.Should().Be(ColumnKind.Json);
        FluentActions.Invoking(() => SchemaModel.Portfolio.GetColumn("nope")).Should().Throw<KeyNotFoundException>();
    }
}
