from roomcontrol.cli import main

raise SystemExit(main())
