; Registers airlock:// for every user at install time (HKLM, the installer runs per machine), so an
; invite link works before the app was ever started; removed again on uninstall. electron-builder's
; NSIS installer would otherwise leave the registration to the app's first run.
!macro customInstall
  WriteRegStr HKLM "Software\Classes\airlock" "" "URL:Airlock invite"
  WriteRegStr HKLM "Software\Classes\airlock" "URL Protocol" ""
  WriteRegStr HKLM "Software\Classes\airlock\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  WriteRegStr HKLM "Software\Classes\airlock\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" "%1"'
!macroend

!macro customUnInstall
  DeleteRegKey HKLM "Software\Classes\airlock"
!macroend
