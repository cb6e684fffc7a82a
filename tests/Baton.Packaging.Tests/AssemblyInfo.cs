// The packages are for Linux, and so is every test of them.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
