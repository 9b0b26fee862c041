; Inno Setup script of the Windows installer. build_installer.py compiles it with
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\unannotate /DOutputDir=dist
;        /DOutputName=unannotate-0.1.0-windows-x64-setup /DIconFile=...\unannotate.ico
;        /DArch=x64compatible packaging\unannotate.iss
; SourceDir is PyInstaller's one-folder bundle. Installs for the current user (no
; administrator needed); the projects and settings in the user's folders are never removed.

#ifndef AppVersion
  #error Give /DAppVersion=...
#endif
#ifndef SourceDir
  #error Give /DSourceDir=... (the one-folder bundle)
#endif
#ifndef OutputDir
  #define OutputDir "."
#endif
#ifndef OutputName
  #define OutputName "unannotate-setup"
#endif
#ifndef Arch
  #define Arch "x64compatible"
#endif

[Setup]
AppId={{6B0F3A52-3C55-4B8E-9D1E-8E7C2B1F4A60}
AppName=unannotate
AppVersion={#AppVersion}
AppVerName=unannotate {#AppVersion}
DefaultDirName={autopf}\unannotate
DefaultGroupName=unannotate
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed={#Arch}
ArchitecturesInstallIn64BitMode={#Arch}
OutputDir={#OutputDir}
OutputBaseFilename={#OutputName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\unannotate.exe
#ifdef IconFile
SetupIconFile={#IconFile}
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; A new version's bundle replaces the old one whole: no stale module is left behind.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\unannotate"; Filename: "{app}\unannotate.exe"
Name: "{autodesktop}\unannotate"; Filename: "{app}\unannotate.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\unannotate.exe"; Description: "{cm:LaunchProgram,unannotate}"; Flags: nowait postinstall skipifsilent
