; Inno Setup 6 script: a per-user (or, if chosen, per-machine) installer for the frozen app.
; Not run by hand: `python packaging/build.py --installer` on Windows freezes the app, then calls
;   iscc /DAppId=... /DAppVersion=... /DSourceDir=... hsexplorer.iss
; with every value read from hsexplorer.appinfo, so names and versions never drift.
; Settings, history and the sandbox live in the user's profile and survive an uninstall on purpose.
; Signing: set HSEXPLORER_SIGNTOOL (see packaging/README.md) and build.py passes it as /Ssigntool=...

#ifndef AppVersion
  #error Run packaging/build.py --installer: it defines AppId, AppVersion and the paths from hsexplorer.appinfo
#endif

[Setup]
; The app id identifies the installation in Windows' uninstall list; it must never change.
AppId={#AppId}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppPublisherURL={#AppUrl}
AppSupportURL={#AppUrl}/issues
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
; Marketers rarely have admin rights: install for the current user unless they choose otherwise.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename={#AppExeName}-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExeName}.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
#ifdef SignTool
SignTool=signtool
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; The AppUserModelID groups the running window with its Start-menu entry on the taskbar.
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}.exe"; AppUserModelID: "{#AppId}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}.exe"; AppUserModelID: "{#AppId}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}.exe"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent

