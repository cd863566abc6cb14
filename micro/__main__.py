from micro.cli import main

raise SystemExit(main())
