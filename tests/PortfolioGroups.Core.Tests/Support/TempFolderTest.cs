namespace PortfolioGroups.Tests.Support;

/// <summary>Base of fixtures whose every test gets a fresh, empty folder (<see cref="Folder"/>), deleted after it.</summary>
public abstract class TempFolderTest
{
    private TempDirectory _temp = null!;

    protected string Folder => _temp.Path;

    [SetUp]
    public void CreateFolder() => _temp = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => _temp.Dispose();
}
