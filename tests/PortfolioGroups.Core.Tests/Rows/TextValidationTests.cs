using System.Text.Json;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>Text both databases cannot store exactly is refused up front, naming the field, on both.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
[TestFixture(Db.PostgresPartitioned)]
public sealed class TextValidationTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task A_nul_character_is_refused_in_every_text_field()
    {
        var id = Unique("nul");

        (await FluentActions.Awaiting(() => Portfolio.AddAsync(Store, id, "a\0b")).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("displayName");
        (await FluentActions.Awaiting(() => PortfolioGroup.AddAsync(Store, id, "G", "de\0scription")).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("description");
        (await FluentActions.Awaiting(() => PortfolioGroup.AddAsync(Store, "a\0b", "G")).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("uniqueIdentifier");
        (await FluentActions.Awaiting(() => Portfolio.FilterAsync(Store, new PortfolioFilter { Search = "\0" })).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("filter.Search");
        (await FluentActions.Awaiting(() => PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { Search = "x\0" })).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("filter.Search");
        (await Portfolio.FindAsync(Store, id)).Should().BeNull();
        (await PortfolioGroup.FindAsync(Store, id)).Should().BeNull();
    }

    [Test]
    public async Task An_unpaired_surrogate_is_refused_instead_of_being_stored_altered()
    {
        var id = Unique("surrogate");

        (await FluentActions.Awaiting(() => Portfolio.AddAsync(Store, id + "\uD800")).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("uniqueIdentifier");
        (await FluentActions.Awaiting(() => PortfolioGroup.AddAsync(Store, id, "bad \uDC00 name")).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("displayName");
        (await Portfolio.AddAsync(Store, id + "\uD83D\uDE80")).UniqueIdentifier.Should().EndWith("🚀", "a proper pair is fine");
    }

    [Test]
    public async Task Metadata_with_a_nul_character_in_a_string_or_a_key_is_refused()
    {
        var id = Unique("metanul");
        var inValue = JsonDocument.Parse("{\"a\": \"x\\u0000y\"}").RootElement;
        var inKey = JsonDocument.Parse("{\"nested\": {\"k\\u0000\": 1}}").RootElement;

        (await FluentActions.Awaiting(() => PortfolioGroup.AddAsync(Store, id, "G", metadata: inValue)).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("metadata");
        (await FluentActions.Awaiting(() => PortfolioGroup.AddAsync(Store, id, "G", metadata: inKey)).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("metadata");
        (await PortfolioGroup.FindAsync(Store, id)).Should().BeNull();
    }

    [TestCase(65)]
    [TestCase(3_000)]
    [TestCase(100_000)]
    public async Task Metadata_nested_deeper_than_64_levels_is_refused_on_write_and_update(int depth)
    {
        var id = Unique("deep");
        var deep = Nested(depth);
        var group = await PortfolioGroup.AddAsync(Store, Unique("kept"), "Kept");

        (await FluentActions.Awaiting(() => PortfolioGroup.AddAsync(Store, id, "G", metadata: deep)).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("metadata");
        (await FluentActions.Awaiting(() => group.UpdateAsync(new PortfolioGroupChanges { Metadata = deep })).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("changes.Metadata");
        (await PortfolioGroup.FindAsync(Store, id)).Should().BeNull();
        (await PortfolioGroup.GetAsync(Store, group.Uid)).Should().Be(group);
    }

    [Test]
    public async Task Metadata_64_levels_deep_is_written_and_read_back()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("deep64"), "G", metadata: Nested(64));

        var read = await PortfolioGroup.GetAsync(Store, group.Uid);

        read.Metadata.Should().NotBeNull();
        JsonElement.DeepEquals(read.Metadata!.Value, Nested(64)).Should().BeTrue();
        (await PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { Uids = [group.Uid] })).Should().ContainSingle();
    }

    [TestCase("{\"a\": 1 /* a comment */}", TestName = "Metadata with a comment")]
    [TestCase("{\"a\": [1, 2,],}", TestName = "Metadata with trailing commas")]
    public async Task Metadata_that_is_not_plain_json_is_refused_naming_metadata(string text)
    {
        var id = Unique("lenient");
        var lenient = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement;

        (await FluentActions.Awaiting(() => PortfolioGroup.AddAsync(Store, id, "G", metadata: lenient)).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("metadata");
        (await PortfolioGroup.FindAsync(Store, id)).Should().BeNull();
    }

    /// <summary>An object nested <paramref name="depth"/> levels deep: {"a":{"a":...{}}}.</summary>
    private static JsonElement Nested(int depth)
    {
        var text = string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);
        return JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = depth + 1 }).RootElement;
    }

    [Test]
    public async Task An_update_with_bad_text_is_refused_and_changes_nothing()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("upd"), "Name", "Kept");

        var update = () => group.UpdateAsync(new PortfolioGroupChanges { DisplayName = "New", Description = "bad\0" });

        (await update.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("changes.Description");
        (await PortfolioGroup.GetAsync(Store, group.Uid)).Should().Be(group);
    }

    [Test]
    public async Task Special_characters_in_group_identifiers_are_stored_and_found_literally()
    {
        var id = $"crypto's \"best\"; 100% _x_ \\ Zürich 東京 {Guid.NewGuid():N}";

        var added = await PortfolioGroup.AddAsync(Store, id, "Special");

        (await PortfolioGroup.GetAsync(Store, id)).Should().Be(added);
        (await PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { Search = id })).Select(g => g.Uid).Should().Equal(added.Uid);
        (await PortfolioGroup.BulkDeleteAsync(Store, uniqueIdentifiers: [id])).Should().Be(1);
    }
}
