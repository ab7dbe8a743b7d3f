from evoladder.cli import main

raise SystemExit(main())
